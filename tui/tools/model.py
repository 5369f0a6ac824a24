"""What the rest of the app knows of MCP servers and their tools (plain data)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tui.domain import ImageRef
from tui.providers.base import ToolDefinition

KeepImage = Callable[[bytes, str], ImageRef | None]
"""Keeps an image a tool returned (bytes, media type) as a blob; None when the bytes are
not an image that decodes."""


class ServerState(StrEnum):
    """Where one configured server is."""

    STARTING = "starting"
    READY = "ready"
    FAILED = "failed"
    DISABLED = "disabled"
    """`enabled = false` in the config (never started)."""
    STOPPED = "stopped"
    """Not started yet (or shut down)."""


@dataclass(frozen=True, slots=True)
class ToolInfo:
    """One tool of a ready server, with the name it is offered to models under."""

    server: str
    name: str
    """Its own name on the server."""
    api_name: str
    """The name sent to the model: matches `^[a-zA-Z0-9_-]{1,64}$`, unique among all
    servers' tools (a name two servers share is prefixed with the server's)."""
    description: str = ""
    input_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object"})

    @property
    def key(self) -> str:
        """`server/tool`: how a conversation names a tool it turned off."""
        return f"{self.server}/{self.name}"

    def definition(self) -> ToolDefinition:
        """The tool as a request offers it."""
        return ToolDefinition(self.api_name, self.description, self.input_schema)


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """One server as the Tools screen and `ask` show it."""

    name: str
    state: ServerState
    transport: str
    """"stdio" or "http"."""
    tools: tuple[ToolInfo, ...] = ()
    error: str | None = None
    """Why it failed, in one sentence for people."""
    stderr_tail: tuple[str, ...] = ()
    """The last lines the server wrote to stderr (stdio servers)."""
