"""Reading the config file: TOML over the presets, checked, with paths and env defaults.

A bad setting raises `ConfigError`, which names the file, the line and the fix.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from tui.config.costs import read_budget, read_prices
from tui.config.errors import ConfigError, line_of, toml_error_line, type_word
from tui.config.keys_table import read_keys
from tui.config.mcp import read_mcp
from tui.config.model import (
    APP_NAME,
    KINDS,
    MIN_THINKING_BUDGET,
    OFFLINE,
    REASONING_EFFORTS,
    Config,
    ProviderConfig,
)
from tui.config.presets import KEYED_DEFAULTS, PRESETS

_PROVIDER_FIELDS: dict[str, type | tuple[type, ...]] = {
    "kind": str,
    "model": str,
    "base_url": str,
    "api_key_env": str,
    "api_key": str,
    "api_key_command": str,
    "max_tokens": int,
    "temperature": (int, float),
    "extra_headers": dict,
    "read_timeout": (int, float),
    "chunk_delay": (int, float),
    "reasoning_effort": str,
    "thinking_budget": int,
    "context_window": int,
    "prompt_caching": bool,
    "preset": str,
    "prices": dict,
}
_TOP_LEVEL = {
    "default_provider": str,
    "system_prompt": str,
    "providers": dict,
    "personas": dict,
    "attach_limit_kib": int,
    "mcp_servers": dict,
    "max_tool_rounds": int,
    "budget": dict,
    "keys": dict,
}


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """`$TUI_CHAT_CONFIG`, else `config.toml` in the platform's user config dir."""
    env = os.environ if environ is None else environ
    if env.get("TUI_CHAT_CONFIG"):
        return Path(env["TUI_CHAT_CONFIG"]).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`$TUI_CHAT_DATA_DIR`, else the platform's user data dir."""
    env = os.environ if environ is None else environ
    if env.get("TUI_CHAT_DATA_DIR"):
        return Path(env["TUI_CHAT_DATA_DIR"]).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME)


def load_config(
    config_path: Path | None = None,
    data_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Read the config file (if present) over the presets.

    Raises:
        ConfigError: the file exists but is not valid TOML or holds a bad setting.
    """
    env = os.environ if environ is None else environ
    path = config_path or default_config_path(env)
    raw: dict[str, Any] = {}
    text = ""
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
            raw = tomllib.loads(text)
        except UnicodeDecodeError:
            raise ConfigError(path, "it is not UTF-8 text.") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                path, f"it is not valid TOML ({exc}).", toml_error_line(exc)
            ) from None
    elif path.exists():
        raise ConfigError(path, "it is not a regular file.")
    providers = _read_providers(path, text, raw)
    for key, value in raw.items():
        if key not in _TOP_LEVEL:
            known = ", ".join(sorted(_TOP_LEVEL))
            problem = f"unknown setting '{key}' (known: {known})."
            raise ConfigError(path, problem, line_of(text, None, key))
        if not isinstance(value, _TOP_LEVEL[key]) or isinstance(value, bool):
            word = f"a {type_word(_TOP_LEVEL[key])}"
            raise ConfigError(path, f"'{key}' must be {word}.", line_of(text, None, key))
    default = str(raw.get("default_provider") or _pick_default(providers, env))
    if default not in providers:
        names = ", ".join(sorted(providers))
        problem = f"default_provider '{default}' is not a provider (known: {names})."
        raise ConfigError(path, problem, line_of(text, None, "default_provider"))
    mcp_servers, max_tool_rounds = read_mcp(path, text, raw)
    budget_daily, budget_monthly = read_budget(path, text, raw)
    keys, key_lines = read_keys(path, text, raw)
    personas = raw.get("personas", {})
    for name, prompt in personas.items():
        if not isinstance(prompt, str):
            problem = f"persona '{name}' must be a string (the system prompt)."
            raise ConfigError(path, problem, line_of(text, "personas", name))
    return Config(
        attach_limit=int(raw.get("attach_limit_kib", 256)) * 1024,
        warnings=_key_warnings(path, providers),
        personas=dict(personas),
        config_path=path,
        data_dir=data_dir or default_data_dir(env),
        providers=providers,
        default_provider=default,
        system_prompt=raw.get("system_prompt") or None,
        mcp_servers=mcp_servers,
        max_tool_rounds=max_tool_rounds,
        budget_daily_usd=budget_daily,
        budget_monthly_usd=budget_monthly,
        keys=keys,
        key_lines=key_lines,
    )


def _key_warnings(path: Path, providers: Mapping[str, ProviderConfig]) -> tuple[str, ...]:
    inline = sorted(name for name, p in providers.items() if p.inline_api_key)
    if not inline:
        return ()
    try:
        mode = path.stat().st_mode
    except OSError:
        return ()
    if not mode & (stat.S_IRWXG | stat.S_IRWXO):
        return ()
    names = ", ".join(inline)
    return (
        f"{path} holds an API key ({names}) and other users can read it: "
        f"run `chmod 600 {path}`, or keep the key in the environment (api_key_env) "
        "or a password manager (api_key_command) instead.",
    )


def _pick_default(providers: Mapping[str, ProviderConfig], env: Mapping[str, str]) -> str:
    for name in KEYED_DEFAULTS:
        if name in providers and providers[name].has_key(env):
            return name
    return OFFLINE


def _read_providers(path: Path, text: str, raw: dict[str, Any]) -> dict[str, ProviderConfig]:
    providers = dict(PRESETS)
    tables = raw.get("providers", {})
    if not isinstance(tables, dict):
        raise ConfigError(path, "'providers' must be a table of [providers.NAME] tables.")
    for name, table in tables.items():
        if not isinstance(table, dict):
            problem = f"'providers.{name}' must be a table ([providers.{name}])."
            raise ConfigError(path, problem, line_of(text, None, f"providers.{name}"))
        providers[name] = _read_provider(path, text, name, table, providers.get(name))
    return providers


def _based_on(
    path: Path, text: str, name: str, table: dict[str, Any], current: ProviderConfig | None
) -> ProviderConfig | None:
    """The entry a table starts from: the built-in its `preset` names (under the table's
    own name), else the preset of the same name it overrides, else None."""
    chosen = table.get("preset")
    if chosen is None:
        return current
    if chosen not in PRESETS:
        names = ", ".join(sorted(PRESETS))
        problem = f"preset '{chosen}' in [providers.{name}] is not a built-in provider ({names})."
        raise ConfigError(path, problem, line_of(text, f"providers.{name}", "preset"))
    return replace(PRESETS[chosen], name=name)


def _read_provider(
    path: Path, text: str, name: str, table: dict[str, Any], current: ProviderConfig | None
) -> ProviderConfig:
    section = f"providers.{name}"
    for key, value in table.items():
        line = line_of(text, section, key)
        if key not in _PROVIDER_FIELDS:
            known = ", ".join(_PROVIDER_FIELDS)
            raise ConfigError(
                path, f"unknown setting '{key}' in [{section}] (known: {known}).", line
            )
        expected = _PROVIDER_FIELDS[key]
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            word = "a number" if expected in ((int, float), int) else f"a {type_word(expected)}"
            raise ConfigError(path, f"'{key}' in [{section}] must be {word}.", line)
    preset = _based_on(path, text, name, table, current)
    prices = read_prices(path, text, section, table["prices"]) if "prices" in table else None
    kind = table.get("kind", preset.kind if preset else None)
    if kind not in KINDS:
        line = line_of(text, section, "kind") or line_of(text, None, section)
        got = f" (got '{kind}')" if kind else ""
        problem = f'[{section}] needs kind = "openai", "anthropic" or "offline"{got}.'
        raise ConfigError(path, problem, line)
    model = table.get("model", preset.model if preset else None)
    if not model and kind != "offline":
        problem = f'[{section}] needs a model, e.g. model = "llama3.2".'
        raise ConfigError(path, problem, line_of(text, None, section))
    headers = table.get("extra_headers", {})
    if not all(isinstance(v, str) for v in headers.values()):
        problem = f"extra_headers in [{section}] must map names to strings."
        raise ConfigError(path, problem, line_of(text, section, "extra_headers"))
    effort = table.get("reasoning_effort")
    if effort is not None and effort not in REASONING_EFFORTS:
        problem = f"reasoning_effort in [{section}] must be one of {', '.join(REASONING_EFFORTS)}."
        raise ConfigError(path, problem, line_of(text, section, "reasoning_effort"))
    budget = table.get("thinking_budget")
    if budget is not None and budget < MIN_THINKING_BUDGET:
        problem = f"thinking_budget in [{section}] must be at least {MIN_THINKING_BUDGET}."
        raise ConfigError(path, problem, line_of(text, section, "thinking_budget"))
    window = table.get("context_window")
    if window is not None and window <= 0:
        problem = f"context_window in [{section}] must be a positive number of tokens."
        raise ConfigError(path, problem, line_of(text, section, "context_window"))
    base = preset or ProviderConfig(name, kind, model or "offline-guide")
    api_key_env = table.get("api_key_env", base.api_key_env)
    return replace(
        base,
        kind=kind,
        model=model or base.model,
        base_url=table.get("base_url", base.base_url),
        api_key_env=api_key_env,
        api_key_command=table.get("api_key_command", base.api_key_command),
        inline_api_key=table.get("api_key", base.inline_api_key),
        # A key named for a user's own server is required only if its URL is not local.
        key_required=base.key_required if preset else bool(api_key_env),
        max_tokens=table.get("max_tokens", base.max_tokens),
        temperature=float(table["temperature"]) if "temperature" in table else base.temperature,
        extra_headers=dict(headers) or dict(base.extra_headers),
        read_timeout=float(table.get("read_timeout", base.read_timeout)),
        chunk_delay=float(table.get("chunk_delay", base.chunk_delay)),
        reasoning_effort=effort or base.reasoning_effort,
        thinking_budget=budget or base.thinking_budget,
        context_window=window or base.context_window,
        prompt_caching=table.get("prompt_caching", base.prompt_caching),
        prices=prices or base.prices,
    )
