"""All configured MCP servers together: what the reply engine and the front ends use.

The hub owns one `McpConnection` per `[mcp_servers.NAME]` table, starts them together,
names every tool for models (over all servers at once, so names never depend on which
tools a conversation turned off), and routes calls. A hub with no servers, or one never
started, costs nothing: the MCP SDK is imported by the first server that starts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from tui.config.model import McpServerConfig
from tui.domain import ToolResult
from tui.tools.model import KeepImage, ServerState, ServerStatus, ToolInfo
from tui.tools.naming import api_names
from tui.tools.results import cut_for_model
from tui.tools.server import McpConnection

log = logging.getLogger(__name__)


class ToolHub:
    """The configured MCP servers, their states and tools, and calls to them."""

    def __init__(
        self,
        servers: Sequence[McpServerConfig],
        *,
        environ: Mapping[str, str] | None = None,
        log_dir: Path | None = None,
        on_change: Callable[[], object] | None = None,
        start_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        keep_image: KeepImage | None = None,
    ) -> None:
        """`environ` is where `${VAR}` in `env` and `headers` is read from (default: ours);
        `log_dir` gets each stdio server's stderr as `mcp-<name>.log` (default: a temp
        folder removed on close); `on_change` is called whenever a server's state
        changes, so a screen can redraw its list; `clock` times the calls; `keep_image`
        stores the images tools return (without it only their text notes are kept)."""
        self._on_change = on_change
        self._connections = {
            config.name: McpConnection(
                config,
                environ=environ,
                log_dir=log_dir,
                start_timeout=start_timeout,
                clock=clock,
                on_change=self._changed,
                keep_image=keep_image,
            )
            for config in servers
        }

    def _changed(self) -> None:
        if self._on_change is not None:
            try:
                self._on_change()
            except Exception:
                log.exception("the hub's on_change callback failed")

    async def start(self, names: Collection[str] | None = None) -> None:
        """Start the named servers (default: every enabled one) that are not started yet,
        concurrently; return when each is ready or has failed (a server another call is
        starting is waited for).

        A disabled server stays disabled even when named; a failed one is left failed
        (`restart` tries it again); unknown names are ignored.
        """
        chosen = [
            conn
            for name, conn in self._connections.items()
            if (names is None or name in names)
            and conn.state in (ServerState.STOPPED, ServerState.STARTING)
        ]
        await asyncio.gather(*(conn.start() for conn in chosen))

    async def restart(self, name: str) -> None:
        """Stop server `name` if it runs and start it again (not if it is disabled)."""
        conn = self._connections[name]
        if conn.state is ServerState.DISABLED:
            return
        await conn.aclose()
        await conn.start()

    def statuses(self) -> list[ServerStatus]:
        """Every configured server, in config order."""
        tools = self._all_tools()
        return [
            ServerStatus(
                name=conn.name,
                state=conn.state,
                transport=conn.transport,
                tools=tuple(t for t in tools if t.server == conn.name),
                error=conn.error,
                stderr_tail=conn.stderr_tail,
            )
            for conn in self._connections.values()
        ]

    def tools(
        self, servers: Collection[str] | None = None, disabled: Collection[str] = ()
    ) -> list[ToolInfo]:
        """The tools offered (only those of `servers`, if given), leaving out
        those whose `key` (`server/tool`) is in `disabled`."""
        return [
            tool
            for tool in self._all_tools()
            if (servers is None or tool.server in servers) and tool.key not in disabled
        ]

    def find(self, api_name: str) -> ToolInfo | None:
        """The tool offered under `api_name`, if any."""
        return next((t for t in self._all_tools() if t.api_name == api_name), None)

    def server_config(self, name: str) -> McpServerConfig:
        """The config of server `name` (KeyError if there is none)."""
        return self._connections[name].config

    def _all_tools(self) -> list[ToolInfo]:
        """The tools offered now (of ready servers, and of one that stopped during a call
        until its restart), named over all servers' known tools."""
        known = [(c.name, spec.name) for c in self._connections.values() for spec in c.tools]
        names = api_names(known)
        return [
            ToolInfo(
                conn.name,
                spec.name,
                names[(conn.name, spec.name)],
                spec.description,
                spec.input_schema,
            )
            for conn in self._connections.values()
            if conn.offers_tools
            for spec in conn.tools
        ]

    async def call(self, tool: ToolInfo, arguments: dict[str, Any]) -> ToolResult:
        """Run `tool` with its server's `timeout`; the result as the model is sent it.

        Never raises but `CancelledError` (after the server was told to cancel).
        """
        conn = self._connections.get(tool.server)
        if conn is None:
            return ToolResult(f"There is no MCP server named {tool.server}.", is_error=True)
        result = await conn.call(tool.name, arguments, conn.config.timeout)
        result.text = cut_for_model(result.text)
        if result.duration_s is not None:
            result.duration_s = round(result.duration_s, 3)  # milliseconds are plenty
        return result

    async def aclose(self) -> None:
        """Stop every server, concurrently."""
        await asyncio.gather(*(conn.aclose() for conn in self._connections.values()))
