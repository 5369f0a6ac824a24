"""`ConfigError` and the helpers that find the line a setting is on, for every reader
of the config file (`loading`, `mcp`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path


class ConfigError(Exception):
    """A config file that cannot be used, described in one paragraph for people."""

    def __init__(self, path: Path, problem: str, line: int | None = None) -> None:
        self.path = path
        self.problem = problem
        self.line = line
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(
            f"tui-chat cannot use its config file {where}: {problem} "
            "Fix that line (or move the file away to start with the built-in providers); "
            "the README's Configuration section shows every setting."
        )


def type_word(expected: type | tuple[type, ...]) -> str:
    """How a message names the type a setting must have."""
    words: dict[type | tuple[type, ...], str] = {
        str: "string",
        dict: "table",
        int: "whole number",
        list: "list",
        bool: "boolean (true or false)",
        (int, float): "number",
    }
    return words.get(expected, "value")


def toml_error_line(exc: tomllib.TOMLDecodeError) -> int | None:
    """The line a TOML syntax error is on, where the parser says."""
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    found = re.search(r"line (\d+)", str(exc))
    return int(found.group(1)) if found else None


def line_of(text: str, section: str | None, key: str) -> int | None:
    """The 1-based line where `key` is set inside `[section]` (top level when None);
    with `section` None, also the line of a `[key]` table header."""
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\s*([^\]]+?)\s*\]", stripped)
        if header:
            current = header.group(1).replace('"', "")
            if section is None and current == key:
                return number
            continue
        if current == section and re.match(rf'^"?{re.escape(key)}"?\s*=', stripped):
            return number
    return None
