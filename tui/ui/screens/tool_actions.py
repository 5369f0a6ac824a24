"""Tools on the main screen: starting the servers after the first paint, the Tools
screen, and asking the user about each call (the approval dialog)."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import TYPE_CHECKING

from textual.worker import WorkerCancelled, WorkerFailed

if TYPE_CHECKING:
    from tui.engine.state import ToolCall
    from tui.tools.approval import Decision
    from tui.tools.model import ToolInfo
    from tui.ui.screens.main import MainScreen


class ToolActions:
    """The main screen's tool commands."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.tools = screen.session.tools
        self.tools.approver = self.approve
        self.tools.listeners.append(self._changed)
        self._told_failed: set[str] = set()

    def start(self) -> None:
        """Start the configured servers in the background, once the first paint is done
        and the provider's SDK is loaded (both imports hold the GIL: one after the
        other, the first reply never waits for the MCP SDK)."""
        if self.tools.configured:
            self.screen.run_worker(self._start(), group="tools", exit_on_error=False)

    async def _start(self) -> None:
        loading = self.screen.providers.loading
        if loading is not None:
            with suppress(WorkerFailed, WorkerCancelled):
                await loading.wait()
        await self.tools.start()

    def show(self) -> None:
        """The Tools screen, for the open conversation."""
        screen = self.screen
        conv = screen.conversation
        from tui.ui.screens.tools_screen import ToolsScreen

        screen.app.push_screen(
            ToolsScreen(
                self.tools.statuses,
                conv,
                save=lambda: screen.session.save(conv),
                restart=self._restart,
            )
        )

    def _restart(self, name: str) -> None:
        self._told_failed.discard(name)
        self.screen.run_worker(self.tools.restart(name), group="tools", exit_on_error=False)

    def _changed(self) -> None:
        app = self.screen.app
        if not app.is_running or not app.screen_stack:
            return  # servers stopping as the app closes
        from tui.tools.model import ServerState
        from tui.ui.screens.tools_screen import ToolsScreen

        if isinstance(app.screen, ToolsScreen):
            app.screen.refresh_list()
        for status in self.tools.statuses():
            if status.state is ServerState.FAILED and status.name not in self._told_failed:
                self._told_failed.add(status.name)
                self.screen.notify(
                    f"MCP server '{status.name}' failed: {status.error}. "
                    "F8 shows the Tools screen.",
                    title="Tools",
                    severity="warning",
                    timeout=10,
                )

    async def approve(self, call: ToolCall, tool: ToolInfo) -> Decision:
        """Ask the user about `call` (from the reply's worker); a reply stopped while
        the dialog is open takes the dialog with it."""
        app = self.screen.app
        conv = next(
            (
                r.conversation
                for r in self.screen.session.replies.values()
                if any(c is call for c in r.state.calls())
            ),
            None,
        )
        from tui.tools.approval import Decision
        from tui.ui.screens.approval import ApprovalDialog

        dialog = ApprovalDialog(tool, call.arguments, conversation=conv.title if conv else "")
        answered: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()

        def answer(decision: Decision | None) -> None:
            if not answered.done():
                answered.set_result(decision or Decision.DENY)

        app.push_screen(dialog, callback=answer)
        try:
            return await answered
        except asyncio.CancelledError:
            dialog.abandon()
            raise
