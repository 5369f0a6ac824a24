"""The reply worker's body: a `ReplyRun`'s events in, Textual messages out. Knows no widgets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.dom import DOMNode
from textual.message_pump import MessagePump

from tui.engine import ReplyRun
from tui.engine.tool_step import Phase, ToolActivity
from tui.providers.base import Provider
from tui.providers.events import (
    ReasoningDelta,
    RefusalDelta,
    RetryScheduled,
    TextDelta,
    ToolCallDelta,
)
from tui.ui.messages import ReplyDelta, ReplyRetrying, ReplyTools
from tui.ui.widgets.tool_blocks import CallView

POST_EVERY_S = 1 / 60
"""Text that arrives faster than this is posted to the UI in one message per interval."""
YIELD_EVERY_S = 0.001
"""The longest the worker runs before letting the UI have the event loop."""


class TextBatcher:
    """Merges consecutive text deltas into one `ReplyDelta` per `POST_EVERY_S`.

    The first text after a quiet interval is posted at once (first-token latency); text
    arriving within the interval after it waits for a timer. A fast stream then costs
    the UI a few dozen messages a second instead of one per chunk.
    """

    def __init__(self, target: MessagePump, run: ReplyRun) -> None:
        self._target = target
        self._run = run
        self._pending: list[str] = []
        self._chars = 0
        self._last_post = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._round = 0

    def add(self, text: str) -> bool:
        """Queue `text`; True if it was posted at once."""
        if len(self._run.rounds) != self._round:  # a new round: its text counts from 0
            self.post()
            self._round, self._chars = len(self._run.rounds), 0
        self._pending.append(text)
        self._chars += len(text)
        if self._timer is not None:
            return False
        loop = asyncio.get_running_loop()
        wait = POST_EVERY_S - (loop.time() - self._last_post)
        if wait > 0:
            self._timer = loop.call_later(wait, self.post)
            return False
        self.post()
        return True

    def post(self) -> None:
        """Post whatever text is waiting (call before any other message)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._pending:
            text = "".join(self._pending)
            self._pending.clear()
            delta = ReplyDelta(self._run, TextDelta(text), self._chars, self._round)
            self._target.post_message(delta)
            self._last_post = asyncio.get_running_loop().time()


async def stream_reply(target: MessagePump, run: ReplyRun, prepare: Callable[[], Provider]) -> None:
    """Drive `run` and post what the screen draws to `target`.

    `prepare` runs off the event loop before the request leaves: it waits until the
    user's message is on disk and builds the adapter (which may import an SDK), so a
    slow disk or import never freezes the screen. The run ends itself however this
    ends; the screen learns of the end from the worker's state, which `target` (the
    worker's own screen, for a chat reply) receives after every message posted here.
    """
    batcher = TextBatcher(target, run)
    # Whatever ends the run (the stream, a stop, quitting), the text waiting to be posted
    # goes out first, so a front end never draws the end before the last of the text.
    run.on_close.insert(0, lambda _run: batcher.post())
    loop = asyncio.get_running_loop()
    try:
        try:
            adapter = await asyncio.to_thread(prepare)
        except Exception as exc:  # building the adapter failed: say so, keep the question
            run.fail(exc)
            return
        run.restart_clock()
        ran_since = loop.time()
        first_shown = False
        typed = KeysSince(target.app if isinstance(target, DOMNode) else None)
        async for event in run.events(adapter):
            if typed.new():  # the key goes on screen before more of the stream is read
                await drawn(target)
            # After text that went out at once, let the screen draw it before reading on.
            posted_now = False
            match event:
                case TextDelta(text) | RefusalDelta(text):
                    posted_now = batcher.add(text)
                    if posted_now and not first_shown:
                        # The first words go on screen before the rest of a fast
                        # stream is read: reading it would hold the loop a frame or more.
                        await drawn(target)
                        first_shown = True
                case ReasoningDelta():
                    batcher.post()
                    target.post_message(ReplyDelta(run, event))
                case RetryScheduled():
                    batcher.post()
                    target.post_message(ReplyRetrying(run, event))
                case ToolCallDelta() | ToolActivity():
                    batcher.post()
                    target.post_message(tool_snapshot(run))
                    if isinstance(event, ToolActivity) and event.phase is Phase.DONE:
                        await drawn(target)
            # Chunks that are already buffered are read without suspending, so a fast
            # stream would hold the event loop until it ends; let the UI run in between.
            if posted_now or loop.time() - ran_since >= YIELD_EVERY_S:
                await asyncio.sleep(0)
                ran_since = loop.time()
    finally:
        batcher.post()
        run.close()


class KeysSince:
    """Whether the app has received a key since the last ask: a fast stream keeps the
    event loop busy, and a key typed meanwhile waited one to three frames to show."""

    def __init__(self, app: object) -> None:
        self._app = app
        self._seen = self._count()

    def _count(self) -> int:
        return int(getattr(self._app, "keys_pressed", 0))  # `ChatApp` counts them

    def new(self) -> bool:
        count = self._count()
        seen, self._seen = self._seen, count
        return count != seen


DRAWN_WAIT_S = 0.1
"""The longest the stream waits for the screen to show its first words or a tool's
result."""


async def drawn(target: MessagePump) -> None:
    """Wait until `target`'s screen has drawn what was posted to it. Otherwise the
    worker keeps the event loop busy while that waits to be painted: reading the rest of
    a fast stream, or building the next request after a tool's result (80-130 ms)."""
    if not isinstance(target, DOMNode):
        return
    painted: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def show() -> None:
        if not painted.done():
            painted.set_result(None)

    # Once the messages posted so far are handled (they ask for the paint), wait for it.
    target.call_later(target.call_after_refresh, show)
    try:
        async with asyncio.timeout(DRAWN_WAIT_S):
            await painted
    except TimeoutError:
        pass


def tool_snapshot(run: ReplyRun, *, live: bool = True) -> ReplyTools:
    """The calls of `run`'s current round as they stand now (`live`: the reply is still
    going, so a call with no phase yet is still streaming its arguments)."""
    calls = tuple(
        CallView.of(call.record(), (call.phase or "streaming") if live else "")
        for call in run.state.calls()
    )
    return ReplyTools(run, len(run.rounds), calls)
