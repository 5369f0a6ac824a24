"""The config's shape: frozen `ProviderConfig` and `Config` dataclasses and their constants.

Plain data with cheap, pure predicates; nothing here reads files or runs commands
(the key itself is found by `tui.config.keys`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

APP_NAME = "tui-chat"
ProviderKind = Literal["openai", "anthropic", "offline"]
KINDS: tuple[ProviderKind, ...] = ("openai", "anthropic", "offline")
OFFLINE = "offline"
REASONING_EFFORTS = ("minimal", "low", "medium", "high")
"""The values of OpenAI's `reasoning_effort`."""
MIN_THINKING_BUDGET = 1024
"""Anthropic's smallest thinking `budget_tokens`."""


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """One named provider: which API it speaks, where, with which model and key."""

    name: str
    """The name used with `--provider` and in the config file."""
    kind: ProviderKind
    """The API family: `openai` (and compatible servers), `anthropic` or `offline`."""
    model: str
    """The model asked for unless another is chosen."""
    base_url: str | None = None
    """API root: with `/v1` for `openai`, without it for `anthropic`; None for the default."""
    api_key_env: str | None = None
    """Name of the environment variable holding the key (the key itself is never stored)."""
    key_required: bool = False
    """Whether a request is pointless without the key (hosted APIs, not local servers)."""
    max_tokens: int | None = None
    """Reply length cap sent with each request."""
    temperature: float | None = None
    """Sampling temperature sent with each request."""
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    """HTTP headers added to every request (e.g. OpenRouter's `HTTP-Referer`)."""
    read_timeout: float = 60.0
    """Seconds to wait for the next streamed chunk before giving up."""
    chunk_delay: float = 0.012
    """`offline` only: seconds between streamed words (a readable pace)."""
    api_key_command: str | None = None
    """A command that prints the key (e.g. `pass show openai`), run once per session."""
    inline_api_key: str | None = field(default=None, repr=False)
    """The config file's own `api_key`, if it has one (never shown or written)."""
    reasoning_effort: str | None = None
    """`reasoning_effort` new conversations start with (OpenAI-style reasoning models)."""
    thinking_budget: int | None = None
    """Thinking `budget_tokens` new conversations start with (Anthropic); None: off."""
    context_window: int | None = None
    """The model's context window in tokens, when the provider cannot say."""
    preset: str | None = None
    """The built-in provider this entry is based on (its name), for looking up prices."""
    prices: Mapping[str, float] | None = None
    """Dollars per million tokens (`input`, `output`, `cached_input`, `cache_write`),
    from the config: these win over the price table."""
    prompt_caching: bool | None = None
    """Anthropic prompt caching (`cache_control` on the system prompt and latest turns);
    None: on for the anthropic kind."""

    def has_key(self, environ: Mapping[str, str] | None = None) -> bool:
        """Whether a key is available, without running `api_key_command`."""
        env = os.environ if environ is None else environ
        from_env = bool(self.api_key_env and env.get(self.api_key_env))
        return from_env or bool(self.inline_api_key or self.api_key_command)

    def missing_key(self, environ: Mapping[str, str] | None = None) -> bool:
        """True when this provider needs a key and has no way to get one."""
        return self.key_required and not self.has_key(environ)


DEFAULT_TOOL_ROUNDS = 10
DEFAULT_TOOL_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class McpServerConfig:
    """One `[mcp_servers.NAME]` table: an MCP server started as a program (stdio) or
    reached at a URL (streamable HTTP)."""

    name: str
    command: str | None = None
    """The program of a stdio server (found on PATH)."""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    """Added to the SDK's minimal environment; `${VAR}` is read from ours when it starts."""
    url: str | None = None
    """The endpoint of a streamable-HTTP server."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """HTTP headers for a URL server; `${VAR}` is read from the environment when it starts."""
    auto_approve: tuple[str, ...] = ()
    """Tools that run without asking; `*` means all of this server's."""
    timeout: float = DEFAULT_TOOL_TIMEOUT_S
    """Seconds one tool call may take."""
    enabled: bool = True

    def auto_approves(self, tool: str) -> bool:
        """Whether calls of `tool` (its name on this server) run without asking."""
        return "*" in self.auto_approve or tool in self.auto_approve


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the app and `tui-chat ask` read from the config file and environment."""

    config_path: Path
    """The config file looked at (it need not exist)."""
    data_dir: Path
    """Where conversations and app state are kept."""
    providers: Mapping[str, ProviderConfig]
    """Presets merged with the file's `[providers.NAME]` tables."""
    default_provider: str
    """The provider a new conversation starts with."""
    system_prompt: str | None = None
    """The system prompt for new conversations, if any."""
    personas: Mapping[str, str] = field(default_factory=dict)
    """Named system prompts a new conversation can start from."""
    warnings: tuple[str, ...] = ()
    """Things the user should know about the file (e.g. a key readable by others)."""
    attach_limit: int = 256 * 1024
    """Largest file that can be attached to a message, in bytes."""
    mcp_servers: tuple[McpServerConfig, ...] = ()
    """The `[mcp_servers.NAME]` tables, in the file's order."""
    max_tool_rounds: int = DEFAULT_TOOL_ROUNDS
    """How many rounds of tool calls one reply may make before it is stopped."""
    budget_daily_usd: float | None = None
    """`[budget] daily_usd`: spend allowed per day (UTC), in US dollars."""
    budget_monthly_usd: float | None = None
    """`[budget] monthly_usd`: spend allowed per calendar month (UTC)."""
    keys: Mapping[str, str] = field(default_factory=dict)
    """The `[keys]` table: action ids (`tui.ui.keymap.KEYS`) to Textual key strings, as
    written (checked against the table of keys by the UI, before the app starts)."""
    key_lines: Mapping[str, int] = field(default_factory=dict)
    """The line each `[keys]` id is set on, for errors."""

    def provider(
        self, name: str | None = None, *, model: str | None = None, base_url: str | None = None
    ) -> ProviderConfig:
        """The named (or default) provider, with command-line overrides applied.

        Raises:
            KeyError: no provider has that name.
        """
        compatible = False
        if name is None:
            name = self.default_provider
            if base_url and self.providers[name].kind == "offline":
                name = "openai"  # a bare --base-url means an OpenAI-compatible server
                compatible = True
        chosen = self.providers[name]
        if compatible:
            chosen = replace(chosen, preset=None)  # some server, not OpenAI: not its prices
        if model:
            chosen = replace(chosen, model=model)
        if base_url:
            chosen = replace(chosen, base_url=base_url, key_required=False)
        return chosen
