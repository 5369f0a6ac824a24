"""Reading the config file's `[keys]` table: action ids mapped to Textual key strings.

`pick-model = "f9"`, `send = "ctrl+s"`, several keys separated by commas. Only the shape
is checked here (a table of strings); whether an id names an action and whether two
actions on one screen share a key is checked against the table of keys, which lives in
the UI (`tui.ui.user_keys.check_user_keys`), before the app starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.config.errors import ConfigError, line_of


def read_keys(path: Path, text: str, raw: dict[str, Any]) -> tuple[dict[str, str], dict[str, int]]:
    """The `[keys]` table as {id: keys}, and the line each id is set on.

    Raises:
        ConfigError: `keys` is not a table, or a value is not a non-empty string.
    """
    table = raw.get("keys", {})
    if not isinstance(table, dict):
        problem = "'keys' must be a table, e.g. [keys] with pick-model = \"f9\"."
        raise ConfigError(path, problem, line_of(text, None, "keys"))
    keys: dict[str, str] = {}
    lines: dict[str, int] = {}
    for name, value in table.items():
        line = line_of(text, "keys", name)
        if line is not None:
            lines[name] = line
        if not isinstance(value, str) or not value.strip():
            problem = (
                f'\'{name}\' in [keys] must be a string of keys, e.g. "f9" or "ctrl+s,ctrl+enter".'
            )
            raise ConfigError(path, problem, line)
        keys[name] = value
    return keys, lines
