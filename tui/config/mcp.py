"""Reading `max_tool_rounds` and the `[mcp_servers.NAME]` tables of the config file.

Each table is checked as it is written: a mistake raises `ConfigError` naming the file
and the line. `${VAR}` in `env` and `headers` is left as written (it is read from the
environment when the server starts, not here).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tui.config.errors import ConfigError, line_of, type_word
from tui.config.model import DEFAULT_TOOL_ROUNDS, DEFAULT_TOOL_TIMEOUT_S, McpServerConfig

_SERVER_FIELDS: dict[str, type | tuple[type, ...]] = {
    "command": str,
    "args": list,
    "env": dict,
    "url": str,
    "headers": dict,
    "auto_approve": list,
    "timeout": (int, float),
    "enabled": bool,
}
_STDIO_ONLY = ("args", "env")
_NAME = re.compile(r"[A-Za-z0-9_-]+")


class _Reader:
    """The file's path and text, for errors that name the line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def line(self, section: str, key: str | None = None) -> int | None:
        """The line of `key` in `[section]`, else of its own `[section.key]` table, else
        of the section's header (or the top-level `mcp_servers` for inline tables)."""
        found = None
        if key is not None:
            found = line_of(self.text, section, key) or line_of(self.text, None, f"{section}.{key}")
        return (
            found
            or line_of(self.text, None, section)
            or line_of(self.text, "mcp_servers", section.removeprefix("mcp_servers."))
            or line_of(self.text, None, "mcp_servers")
        )

    def fail(self, problem: str, line: int | None) -> ConfigError:
        return ConfigError(self.path, problem, line)


def read_mcp(path: Path, text: str, raw: dict[str, Any]) -> tuple[tuple[McpServerConfig, ...], int]:
    """The `[mcp_servers.NAME]` tables in the file's order, and `max_tool_rounds`.

    Raises:
        ConfigError: a bad table or setting, naming its line.
    """
    reader = _Reader(path, text)
    rounds = raw.get("max_tool_rounds", DEFAULT_TOOL_ROUNDS)
    if not isinstance(rounds, int) or isinstance(rounds, bool) or rounds < 1:
        problem = "'max_tool_rounds' must be a positive whole number (10 if left out)."
        raise reader.fail(problem, line_of(text, None, "max_tool_rounds"))
    tables = raw.get("mcp_servers", {})
    if not isinstance(tables, dict):
        problem = "'mcp_servers' must be a table of [mcp_servers.NAME] tables."
        raise reader.fail(problem, line_of(text, None, "mcp_servers"))
    servers = tuple(_read_server(reader, name, table) for name, table in tables.items())
    return servers, rounds


def _read_server(reader: _Reader, name: str, table: Any) -> McpServerConfig:
    section = f"mcp_servers.{name}"
    if not _NAME.fullmatch(name):
        problem = (
            f"the server name '{name}' in [{section}] may hold only letters, digits, "
            "'_' and '-' (it becomes part of tool names)."
        )
        raise reader.fail(problem, reader.line(section))
    if not isinstance(table, dict):
        problem = f"'{section}' must be a table ([{section}])."
        raise reader.fail(problem, reader.line(section))
    for key, value in table.items():
        _check_type(reader, section, key, value)
    command, url = table.get("command"), table.get("url")
    if (command is None) == (url is None):
        both = "not both" if command is not None else "and has neither"
        problem = (
            f"[{section}] needs either command (a program to start) or url "
            f"(a streamable-HTTP endpoint), {both}."
        )
        raise reader.fail(problem, reader.line(section, "url" if url is not None else None))
    if command is not None and not command.strip():
        problem = f"command in [{section}] is empty: name the program to start."
        raise reader.fail(problem, reader.line(section, "command"))
    if url is not None:
        _check_url(reader, section, url)
        for key in _STDIO_ONLY:
            if key in table:
                problem = f"{key} in [{section}] is only for a server started by command."
                raise reader.fail(problem, reader.line(section, key))
    if command is not None and "headers" in table:
        problem = f"headers in [{section}] are only for a server reached by url."
        raise reader.fail(problem, reader.line(section, "headers"))
    timeout = table.get("timeout", DEFAULT_TOOL_TIMEOUT_S)
    if not math.isfinite(timeout) or timeout <= 0:
        problem = f"timeout in [{section}] must be a positive number of seconds."
        raise reader.fail(problem, reader.line(section, "timeout"))
    return McpServerConfig(
        name=name,
        command=command,
        args=tuple(table.get("args", ())),
        env=dict(table.get("env", {})),
        url=url,
        headers=dict(table.get("headers", {})),
        auto_approve=tuple(table.get("auto_approve", ())),
        timeout=float(timeout),
        enabled=table.get("enabled", True),
    )


def _check_type(reader: _Reader, section: str, key: str, value: object) -> None:
    line = reader.line(section, key)
    if key not in _SERVER_FIELDS:
        known = ", ".join(_SERVER_FIELDS)
        raise reader.fail(f"unknown setting '{key}' in [{section}] (known: {known}).", line)
    expected = _SERVER_FIELDS[key]
    if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
        word = type_word(expected)
        raise reader.fail(f"'{key}' in [{section}] must be a {word}.", line)
    if isinstance(value, list) and not all(isinstance(item, str) for item in value):
        raise reader.fail(f"'{key}' in [{section}] must be a list of strings.", line)
    if isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(item, str):
                problem = f"'{key}' in [{section}] must map names to strings ('{name}' does not)."
                own = line_of(reader.text, f"{section}.{key}", name)
                raise reader.fail(problem, own or line)


def _check_url(reader: _Reader, section: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problem = f"url in [{section}] must start with http:// or https:// and name a host."
        raise reader.fail(problem, reader.line(section, "url"))
