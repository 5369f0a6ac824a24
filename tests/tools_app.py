"""Apps for tool tests: a `ChatApp` whose provider is the scripted tool model and whose
`[mcp_servers]` are real test servers (the toolbox), and helpers to drive them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import tomli_w
from textual.screen import Screen

from tests.replay_server import served_in_thread
from tests.tool_model import ToolModelServer
from tests.ui_harness import SHOWN_CONFIG_PATH
from tui.config import McpServerConfig, load_config
from tui.store import ConversationStore
from tui.tools.model import ServerState
from tui.ui.app import ChatApp
from tui.ui.screens.approval import ApprovalDialog

WAIT_S = 20.0


def server_table(server: McpServerConfig) -> dict[str, Any]:
    """`server` as its `[mcp_servers.NAME]` table."""
    table: dict[str, Any] = (
        {"url": server.url, "headers": dict(server.headers)}
        if server.url
        else {"command": server.command, "args": list(server.args)}
    )
    if server.auto_approve:
        table["auto_approve"] = list(server.auto_approve)
    if server.timeout != 60:
        table["timeout"] = server.timeout
    if not server.enabled:
        table["enabled"] = False
    return table


def tools_app(
    home: Path,
    model: ToolModelServer,
    servers: list[McpServerConfig],
    *,
    kind: str = "openai",
    **top: Any,
) -> ChatApp:
    """A `ChatApp` with data in `home/data` on provider `tm` (the tool model)."""
    config_file = {
        **top,
        "providers": {
            "tm": {"kind": kind, "base_url": model.url(openai=kind == "openai"), "model": "tm-1"}
        },
        "mcp_servers": {s.name: server_table(s) for s in servers},
    }
    path = home / "config.toml"
    path.write_text(tomli_w.dumps(config_file), encoding="utf-8")
    config = replace(load_config(path, home / "data", environ={}), config_path=SHOWN_CONFIG_PATH)
    store = ConversationStore(config.data_dir)
    return ChatApp(
        config, store, config.provider("tm"), themes_dir=home / "themes", probe_local=False
    )


async def until(pilot: Any, done: Callable[[], bool], what: str) -> None:
    """Let the app run until `done()` holds (checked each time it goes idle)."""
    try:
        async with asyncio.timeout(WAIT_S):
            while not done():
                await pilot.pause()
    except TimeoutError:
        raise AssertionError(f"never happened: {what}") from None


async def tools_ready(app: ChatApp, pilot: Any) -> None:
    """Until every enabled server has started or failed."""

    def ready() -> bool:
        hub = app.session.tools.hub
        return hub is not None and all(
            s.state is not ServerState.STARTING and s.state is not ServerState.STOPPED
            for s in hub.statuses()
            if s.state is not ServerState.DISABLED
        )

    await until(pilot, ready, "the MCP servers started")


async def on_screen(app: ChatApp, pilot: Any, kind: type[Screen[Any]]) -> Any:
    """Until a screen of `kind` is on top; returns it."""
    await until(pilot, lambda: isinstance(app.screen, kind), f"a {kind.__name__} on top")
    return app.screen


@contextmanager
def model_in_thread() -> Iterator[ToolModelServer]:
    """The tool model on its own event loop thread, for code that runs its own loop
    (snapshot tests)."""
    with served_in_thread(ToolModelServer()) as server:
        yield server


async def approval_dialog(app: ChatApp, pilot: Any) -> ApprovalDialog:
    """Until the approval dialog is on top; returns it, taking answers. (Its quiet time
    is tested on its own: here it is taken as passed, not waited for.)"""
    dialog: ApprovalDialog = await on_screen(app, pilot, ApprovalDialog)
    dialog.arm()
    return dialog
