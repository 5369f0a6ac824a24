"""The session's tools: the MCP servers of the config, started once after the first
paint, what the user allowed this session, and the tool step each reply gets."""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from tui.config import Config
from tui.domain import Conversation, ImageRef
from tui.images import IMAGE_LIMIT, ImageError, decode
from tui.store.blobs import BlobStore

if TYPE_CHECKING:
    from tui.engine.tool_step import Approver, ToolStep
    from tui.tools.approval import ApprovalPolicy
    from tui.tools.hub import ToolHub
    from tui.tools.model import KeepImage, ServerStatus

log = logging.getLogger(__name__)


class SessionTools:
    """Owns the `ToolHub` (made only when servers are configured: `mcp` is slow to
    import, and an app without servers never imports it)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.approver: Approver | None = None
        """Asks the user about a call (set by the UI; without one no tools are offered)."""
        self.listeners: list[Callable[[], object]] = []
        """Called when a server's state changes (on the event loop)."""
        self.hub: ToolHub | None = None
        self.blobs = BlobStore(config.data_dir)
        """Where images that tools return are kept."""

    @cached_property
    def policy(self) -> ApprovalPolicy:
        """The config's auto_approve lists and what the user allowed this session (made
        when first asked: the first screen needs none of the tool modules)."""
        from tui.tools.approval import ApprovalPolicy

        return ApprovalPolicy({s.name: s for s in self.config.mcp_servers})

    @property
    def configured(self) -> bool:
        """Whether the config names any MCP server."""
        return bool(self.config.mcp_servers)

    async def start(self) -> None:
        """Start every enabled server (returns when each is ready or has failed)."""
        if not self.configured:
            return
        if self.hub is None:
            # The MCP SDK takes over half a second to import: in a thread, so the
            # screen keeps answering meanwhile. It imports jsonschema (0.1 s) only as it
            # checks the first tool result, on the event loop: so that comes along too.
            await asyncio.to_thread(importlib.import_module, "mcp")
            await asyncio.to_thread(importlib.import_module, "jsonschema.validators")
            from tui.logs import log_dir
            from tui.tools.hub import ToolHub

            self.hub = ToolHub(
                self.config.mcp_servers,
                environ=os.environ,
                log_dir=log_dir(),
                on_change=self._changed,
                keep_image=keep_in(self.blobs.put),
            )
        await self.hub.start()

    async def restart(self, name: str) -> None:
        """Stop server `name` if it runs, and start it again."""
        if self.hub is not None:
            await self.hub.restart(name)

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()

    def statuses(self) -> list[ServerStatus]:
        """Every configured server as it stands."""
        from tui.tools.model import ServerState, ServerStatus

        if self.hub is None:
            return [
                ServerStatus(
                    s.name,
                    ServerState.STOPPED if s.enabled else ServerState.DISABLED,
                    "stdio" if s.command else "http",
                )
                for s in self.config.mcp_servers
            ]
        return self.hub.statuses()

    def step_for(self, conv: Conversation) -> ToolStep | None:
        """The tools a reply in `conv` is offered now (None: none are ready, or no UI
        can ask about them)."""
        if self.hub is None or self.approver is None:
            return None
        offered = self.hub.tools(disabled=conv.disabled_tools)
        if not offered:
            return None
        from tui.engine.tool_step import ToolStep

        return ToolStep(
            self.hub,
            offered,
            self.approver,
            self.policy,
            self.config.max_tool_rounds,
            images=self.blobs.read,
        )

    async def aclose(self) -> None:
        """Stop every server."""
        self.listeners.clear()
        if self.hub is not None:
            await self.hub.aclose()


def keep_in(put: Callable[[bytes, str], str]) -> KeepImage:
    """Keeps the images tools return with `put` (e.g. `BlobStore.put`: bytes and media
    type in, sha256 out). An image that does not decode, is too large, or cannot be
    written is dropped, never an error: the result's text still says an image came."""

    def keep(data: bytes, media_type: str) -> ImageRef | None:
        if len(data) > IMAGE_LIMIT:
            return None
        try:
            picture = decode(data, "the tool's image")
            return picture.ref(put(picture.data, picture.media_type), "tool result")
        except (ImageError, OSError) as exc:
            log.info("an image a tool returned was not kept (%s): %s", media_type, exc)
            return None

    return keep
