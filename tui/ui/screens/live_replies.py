"""The replies streaming on the main screen: their workers, their live lines, their end."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message_pump import MessagePump
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from tui.ui.progress_words import status_words
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.message_view import MessageView
from tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.engine import ReplyRun
    from tui.providers.base import Provider
    from tui.ui.screens.main import MainScreen

TICK_S = 0.25
ENDED = (WorkerState.CANCELLED, WorkerState.ERROR, WorkerState.SUCCESS)


class LiveReplies:
    """Starts a worker per `ReplyRun` and draws how each goes, on `screen`."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.runs: dict[Worker[None], ReplyRun] = {}
        """The run each reply worker drives."""

    def start(self, run: ReplyRun, target: MessagePump | None = None) -> Worker[None]:
        """Drive `run` in a worker whose messages go to `target` (this screen by default,
        or the compare screen); the worker's end is the reply's end (`ended`). Text and
        the end reach the same queue, so the end is never drawn before the text."""
        from tui.ui.streaming import stream_reply  # with the engine: not at start-up

        session = self.screen.session

        def prepare() -> Provider:
            session.wait_until_saved()  # the user's message is on disk before the request
            return session.pool.get(run.provider)

        worker = self.screen.run_worker(
            stream_reply(target or self.screen, run, prepare),
            name=f"reply:{run.key}",
            group=f"reply:{run.key}",
            description=f"{run.provider.name} {run.provider.model} reply",
            exclusive=True,
            exit_on_error=False,
        )
        run.canceller = worker.cancel
        self.runs[worker] = run
        if run.key == run.conversation.id:
            self.ticker.resume()
            self.tick()
        return worker

    async def ended(self, worker: Worker[None], state: WorkerState) -> None:
        """A worker ended (done, failed, cancelled, or cancelled before it ran): the one
        place a reply is finished on screen."""
        run = self.runs.pop(worker, None) if state in ENDED else None
        if run is None:
            return
        if state is WorkerState.ERROR and isinstance(worker.error, Exception):
            run.fail(worker.error)
        run.close()
        self.screen.costs.refresh()  # what it cost counts against the budget now
        if run.key != run.conversation.id:
            return  # a compare reply: the compare screen draws its own end
        screen = self.screen
        view = self.live_view(run)
        if view is not None:
            view.finish()
            if run.state.tool_calls:  # stopped while tools ran: show how each call ended
                from tui.ui.streaming import tool_snapshot

                ended = tool_snapshot(run, live=False)
                view.show_tools(ended.round, ended.calls)
        if (error := run.state.error) is not None:
            kept = " What arrived is kept." if run.state.text else ""
            screen.notify(
                f"{error.message}{kept} Ctrl+R asks again (F2 picks another model).",
                title="Reply failed",
                severity="error",
                timeout=8,
            )
        if view is None:
            self._settle(run)
        else:  # the last words on screen first, in a frame with no layout to wait for
            screen.query_one(MessagePane).after_paint.add(lambda: self._settle(run))

    def _settle(self, run: ReplyRun) -> None:
        """What changes around an ended reply: the list, the status line, the keys."""
        screen = self.screen
        screen.conversation_list.upsert(run.conversation)
        if not any(r.key == r.conversation.id for r in self.runs.values()):
            self.ticker.pause()
        self.tick()
        screen.update_bindings()
        screen.call_later(screen.sender.send_queued, run.conversation)

    def live_view(self, run: ReplyRun) -> MessageView | None:
        """The view of `run`'s reply, when it is on screen."""
        if run.conversation is not self.screen.conversation:
            return None
        return self.screen.query_one(MessagePane).view_for(run.message)

    def live_counters(self) -> str | None:
        """The open conversation's reply counters in words, while one streams."""
        run = self.screen.session.replies.get(self.screen.conversation.id)
        return None if run is None else status_words(run.progress(), run.message.model)

    def tick(self) -> None:
        """Refresh counters and the jump hint (4 times a second while streaming)."""
        screen = self.screen
        screen.refresh_status()
        run = screen.session.replies.get(screen.conversation.id)
        if run is not None and (view := self.live_view(run)) is not None:
            view.set_status(screen.query_one(StatusBar).counters)
        pane = screen.query_one(MessagePane)
        screen.query_one("#jump-hint").display = run is not None and pane.scrolled_up

    @property
    def ticker(self) -> Timer:
        """The screen's 4-a-second timer."""
        return self.screen.ticker
