"""Configuration: named providers from a TOML file, built-in presets, paths, env overrides.

The package's public names, re-exported from its modules: `model` (the frozen
dataclasses), `keys` (finding a provider's API key), `presets` (built-in providers),
`loading` (reading and checking the file), `mcp` (its `[mcp_servers.NAME]` tables) and
`errors` (`ConfigError`, which names the line).
"""

from __future__ import annotations

from tui.config.errors import ConfigError
from tui.config.keys import api_key, command_key, known_keys
from tui.config.loading import default_config_path, default_data_dir, load_config
from tui.config.model import (
    APP_NAME,
    KINDS,
    MIN_THINKING_BUDGET,
    OFFLINE,
    REASONING_EFFORTS,
    Config,
    McpServerConfig,
    ProviderConfig,
    ProviderKind,
)
from tui.config.presets import PRESETS

__all__ = [
    "APP_NAME",
    "KINDS",
    "MIN_THINKING_BUDGET",
    "OFFLINE",
    "PRESETS",
    "REASONING_EFFORTS",
    "Config",
    "ConfigError",
    "McpServerConfig",
    "ProviderConfig",
    "ProviderKind",
    "api_key",
    "command_key",
    "default_config_path",
    "default_data_dir",
    "known_keys",
    "load_config",
]
