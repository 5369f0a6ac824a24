"""The names tools are offered to models under.

OpenAI accepts tool names matching `^[a-zA-Z0-9_-]{1,64}$`, and every provider needs them
unique within one request, while MCP servers may use any characters and several servers
may offer the same name. The names are chosen here, over every server's tools at once and
in config order, so the same tool keeps the same name whichever tools a conversation
turns off (a model that saw `search` in one round must find `search` in the next).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_LENGTH = 64
SEPARATOR = "__"
"""Between the server's name and the tool's in a prefixed name (`github__search`)."""
_INVALID = re.compile(r"[^a-zA-Z0-9_-]")


def clean(name: str) -> str:
    """`name` made valid: other characters become `_`, cut to 64, never empty."""
    return _INVALID.sub("_", name)[:MAX_LENGTH] or "_"


def api_names(tools: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """A valid, unique API name for each `(server, tool)` pair.

    The first pair (in the given order, which is config order) to want a name keeps it
    plain; a later one gets `server__tool`, and if even that is taken (or two long names
    share their first 64 characters), a numeric suffix (`_2`, `_3`, ...).
    """
    used: set[str] = set()
    names: dict[tuple[str, str], str] = {}
    for server, tool in tools:
        if (server, tool) in names:
            continue
        name = clean(tool)
        if name in used:
            name = _unused(clean(f"{server}{SEPARATOR}{tool}"), used)
        used.add(name)
        names[(server, tool)] = name
    return names


def _unused(name: str, used: set[str]) -> str:
    """`name`, or `name` with the smallest suffix `_N` (N >= 2) that is not in `used`."""
    if name not in used:
        return name
    number = 2
    while True:
        suffix = f"_{number}"
        candidate = name[: MAX_LENGTH - len(suffix)] + suffix
        if candidate not in used:
            return candidate
        number += 1
