from __future__ import annotations

import inspect
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import tui.config.model
from tui.config import PRESETS, ConfigError, ProviderConfig, api_key, known_keys, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_and_no_key_defaults_to_offline(tmp_path: Path) -> None:
    config = load_config(tmp_path / "missing.toml", tmp_path, environ={})
    assert config.default_provider == "offline"
    assert set(PRESETS) <= set(config.providers)
    assert {
        "openai",
        "anthropic",
        "ollama",
        "llamacpp",
        "lmstudio",
        "vllm",
        "openrouter",
        "deepseek",
        "offline",
    } <= set(config.providers)


@pytest.mark.parametrize(
    ("var", "provider"),
    [
        ("OPENAI_API_KEY", "openai"),
        ("ANTHROPIC_API_KEY", "anthropic"),
        ("OPENROUTER_API_KEY", "openrouter"),
        ("DEEPSEEK_API_KEY", "deepseek"),
    ],
)
def test_a_key_in_the_environment_picks_its_provider(
    tmp_path: Path, var: str, provider: str
) -> None:
    config = load_config(tmp_path / "missing.toml", tmp_path, environ={var: "k"})
    assert config.default_provider == provider
    assert api_key(config.providers[provider], {var: "k"}) == "k"


def test_paths_come_from_the_environment(tmp_path: Path) -> None:
    env = {"TUI_CHAT_CONFIG": str(tmp_path / "c.toml"), "TUI_CHAT_DATA_DIR": str(tmp_path / "d")}
    write(tmp_path, "")  # a different file: the env var wins
    config = load_config(environ=env)
    assert config.config_path == tmp_path / "c.toml"
    assert config.data_dir == tmp_path / "d"


def test_user_provider_and_preset_override(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
default_provider = "work"
system_prompt = "Be brief."

[providers.work]
kind = "anthropic"
base_url = "http://127.0.0.1:1/"
model = "claude-x"
api_key_env = "WORK_KEY"
max_tokens = 100
temperature = 0
extra_headers = { "X-Team" = "a" }

[providers.ollama]
model = "qwen3"
""",
    )
    config = load_config(path, tmp_path, environ={})
    work = config.providers["work"]
    assert (work.kind, work.model, work.api_key_env, work.max_tokens) == (
        "anthropic",
        "claude-x",
        "WORK_KEY",
        100,
    )
    assert work.temperature == 0.0
    assert work.extra_headers == {"X-Team": "a"}
    assert work.missing_key({})
    assert config.default_provider == "work"
    assert config.system_prompt == "Be brief."
    assert config.providers["ollama"].model == "qwen3"
    assert config.providers["ollama"].base_url == "http://localhost:11434/v1"


def test_command_line_overrides(tmp_path: Path) -> None:
    config = load_config(tmp_path / "missing.toml", tmp_path, environ={})
    chosen = config.provider(None, model="m", base_url="http://127.0.0.1:5/v1")
    assert (chosen.name, chosen.kind, chosen.model) == ("openai", "openai", "m")
    assert not chosen.missing_key({})  # a local server needs no key
    assert config.provider("openai").missing_key({})
    with pytest.raises(KeyError):
        config.provider("nope")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('model = "x"\n[providers\n', 2, "not valid TOML"),
        ('\n\ncolour = "red"\n', 3, "unknown setting 'colour'"),
        ('[providers.a]\nkind = "openai"\nmodle = "x"\n', 3, "unknown setting 'modle'"),
        ('[providers.a]\nkind = "gemini"\nmodel = "x"\n', 2, "got 'gemini'"),
        ('[providers.a]\nkind = "openai"\nmax_tokens = "many"\n', 3, "must be a number"),
        ('[providers.a]\nkind = "openai"\n', 1, "needs a model"),
        ('default_provider = "ghost"\n', 1, "'ghost' is not a provider"),
        ('[providers.openai]\nmodel = "m"\nprices = 3\n', 3, "'prices' in [providers.openai] must"),
        (
            "[providers.openai]\nprices = { input = 1, output = 2, cache = 1 }\n",
            2,
            "unknown price 'cache'",
        ),
        ("[providers.openai]\n\nprices = { input = 1.5 }\n", 3, "need output"),
        ("[providers.openai]\nprices = { input = -1, output = 2 }\n", 2, "'input' in the prices"),
        ("[providers.openai]\nprices = { input = true, output = 2 }\n", 2, "0 or more"),
        (
            '[providers.a]\nkind = "openai"\nmodel = "m"\n[providers.a.prices]\ninput = 1\n'
            'output = "cheap"\n',
            6,
            "'output' in the prices of [providers.a]",
        ),
        ("[providers.a.prices]\noutput = 1\n", 1, "need input"),
        ('[providers.a]\npreset = "gemini"\nmodel = "m"\n', 2, "preset 'gemini'"),
        ("[providers.a]\npreset = 1\n", 2, "'preset' in [providers.a] must be a string"),
        (
            'system_prompt = "x"\n\n[budget]\ndaily_usd = 0\n',
            4,
            "'daily_usd' in [budget] must be a positive",
        ),
        ("[budget]\nmonthly_usd = -5\n", 2, "'monthly_usd' in [budget]"),
        ('[budget]\nmonthly_usd = "lots"\n', 2, "positive number of US dollars"),
        ("[budget]\nweekly_usd = 5\n", 2, "unknown setting 'weekly_usd' in [budget]"),
        ("budget = 5\n", 1, "'budget' must be a table"),
        ("budget = { daily_usd = nan }\n", 1, "'daily_usd' in [budget]"),
    ],
)
def test_bad_config_names_file_line_and_problem(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, tmp_path, environ={})
    message = str(caught.value)
    assert f"{path}, line {line}:" in message
    assert words in message
    assert "\n" not in message  # one paragraph


def test_an_inline_key_is_used_and_a_file_others_can_read_is_warned_about(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        '[providers.mine]\nkind = "openai"\nmodel = "m"\nbase_url = "http://127.0.0.1:9/v1"\n'
        'api_key = "sk-inline-0123456789"\n',
    )
    path.chmod(0o644)
    config = load_config(path, tmp_path / "data", environ={})
    assert api_key(config.providers["mine"], {}) == "sk-inline-0123456789"
    assert "sk-inline" not in repr(config.providers["mine"])  # never shown
    (warning,) = config.warnings
    assert "chmod 600" in warning
    assert "sk-inline" not in warning
    path.chmod(0o600)
    assert load_config(path, tmp_path / "data", environ={}).warnings == ()


def test_api_key_command_runs_once_per_session_and_only_when_needed(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    script = tmp_path / "print_key.py"
    script.write_text(
        f"from pathlib import Path\np = Path({str(runs)!r})\n"
        "p.write_text(p.read_text() + 'x' if p.exists() else 'x')\nprint('sk-from-command-42')\n"
    )
    command = f"{sys.executable} {script} --name {tmp_path.name}"  # unique per test run
    path = write(
        tmp_path,
        f'[providers.openai]\napi_key_command = "{command}"\n',
    )
    config = load_config(path, tmp_path / "data", environ={})
    provider = config.providers["openai"]
    assert config.default_provider == "openai"  # a key source is enough to be the default
    assert not provider.missing_key({})
    assert not runs.exists()  # nothing ran yet: a password manager may ask for a passphrase
    assert known_keys(config, {}) == ()  # hiding keys in logs runs nothing either
    assert not runs.exists()
    with ThreadPoolExecutor(4) as pool:  # first calls at once still run it once
        keys = list(pool.map(lambda _: api_key(provider, {}), range(4)))
    assert keys == ["sk-from-command-42"] * 4
    assert api_key(provider, {}) == "sk-from-command-42"
    assert runs.read_text() == "x"  # once
    assert api_key(provider, {"OPENAI_API_KEY": "sk-env"}) == "sk-env"  # the environment wins


def test_a_provider_config_runs_no_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a config object ran a command")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    provider = ProviderConfig("p", "openai", "m", api_key_command="never-run", key_required=True)
    assert "subprocess" not in vars(tui.config.model)
    assert not hasattr(provider, "api_key")
    methods = [n for n, _ in inspect.getmembers(ProviderConfig, inspect.isfunction) if n[0] != "_"]
    assert methods == ["has_key", "missing_key"]
    assert provider.has_key({})
    assert not provider.missing_key({})


def test_known_keys_are_the_keys_at_hand(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[providers.mine]\nkind = "openai"\nmodel = "m"\napi_key = "sk-inline-1"\n'
        '[providers.cmd]\nkind = "openai"\nmodel = "m"\napi_key_command = "false"\n',
    )
    config = load_config(path, tmp_path / "data", environ={})
    env = {"OPENAI_API_KEY": "sk-env-2", "ANTHROPIC_API_KEY": ""}
    assert known_keys(config, env) == ("sk-env-2", "sk-inline-1")


def test_prices_budget_and_presets_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[budget]
daily_usd = 2
monthly_usd = 30.5

[providers.openai]
prices = { input = 2.0, output = 8.0, cached_input = 0.5, cache_write = 2.5 }

[providers.work]
kind = "openai"
model = "m"
base_url = "https://gateway.example/v1"

[providers.work.prices]
input = 1
output = 0

[providers.corp]
preset = "anthropic"
base_url = "https://llm.corp.example"

[providers.ollama]
model = "qwen3"
""",
    )
    config = load_config(path, tmp_path, environ={})
    assert (config.budget_daily_usd, config.budget_monthly_usd) == (2.0, 30.5)
    openai = config.providers["openai"]
    assert openai.prices == {"input": 2.0, "output": 8.0, "cached_input": 0.5, "cache_write": 2.5}
    assert openai.preset == "openai"
    assert openai.model == PRESETS["openai"].model  # the rest of the preset is kept
    work = config.providers["work"]
    assert work.prices == {"input": 1.0, "output": 0.0}
    assert work.preset is None  # a user's own provider is based on no preset
    corp = config.providers["corp"]
    assert (corp.name, corp.preset, corp.kind, corp.model) == (
        "corp",
        "anthropic",
        "anthropic",
        PRESETS["anthropic"].model,
    )
    assert corp.base_url == "https://llm.corp.example"
    assert corp.api_key_env == "ANTHROPIC_API_KEY"  # based on the preset: its settings too
    assert config.providers["ollama"].preset == "ollama"
    assert config.providers["anthropic"].prices is None


def test_every_preset_names_itself_and_no_budget_is_none(tmp_path: Path) -> None:
    config = load_config(tmp_path / "missing.toml", tmp_path, environ={})
    assert {name: p.preset for name, p in config.providers.items()} == {n: n for n in PRESETS}
    assert (config.budget_daily_usd, config.budget_monthly_usd) == (None, None)
    path = write(tmp_path, "[budget]\nmonthly_usd = 10\n")
    config = load_config(path, tmp_path, environ={})
    assert (config.budget_daily_usd, config.budget_monthly_usd) == (None, 10.0)


def test_a_bare_base_url_is_no_longer_the_openai_preset(tmp_path: Path) -> None:
    config = load_config(tmp_path / "missing.toml", tmp_path, environ={})
    bare = config.provider(None, base_url="http://127.0.0.1:5/v1")
    assert (bare.name, bare.preset) == ("openai", None)
    chosen = config.provider("openai", base_url="http://127.0.0.1:5/v1")
    assert chosen.preset == "openai"  # named on purpose: a proxy in front of OpenAI
