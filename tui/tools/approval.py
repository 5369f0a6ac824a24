"""Who may run what: nothing runs without the user's say, unless they said so in advance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from tui.config.model import McpServerConfig
from tui.tools.model import ToolInfo

DECLINED = "The user declined to run this tool call."
"""The result the model gets for a call the user said no to."""


class Decision(StrEnum):
    """The user's answer to one call."""

    ONCE = "once"
    ALWAYS = "always"
    """Run it, and every later call of this tool in this session."""
    DENY = "deny"


@dataclass(slots=True)
class ApprovalPolicy:
    """The config's `auto_approve` lists, plus what the user allowed this session."""

    servers: Mapping[str, McpServerConfig] = field(default_factory=dict)
    approve_all: bool = False
    """`ask --approve-tools`: every call runs."""
    allowed: set[str] = field(default_factory=set)
    """`ToolInfo.key`s the user chose "always" for."""

    def allows(self, tool: ToolInfo) -> bool:
        """Whether `tool` may run without asking."""
        if self.approve_all or tool.key in self.allowed:
            return True
        server = self.servers.get(tool.server)
        return server is not None and server.auto_approves(tool.name)

    def remember(self, tool: ToolInfo) -> None:
        """Allow `tool` for the rest of the session."""
        self.allowed.add(tool.key)
