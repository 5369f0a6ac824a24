"""The reply worker's body: engine events in, Textual messages out. Knows no widgets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from textual.message_pump import MessagePump

from tui.config import Config, ProviderConfig
from tui.engine import reply_events
from tui.providers.base import ChatRequest, Provider
from tui.providers.events import (
    ErrorKind,
    Finished,
    FinishReason,
    RetryScheduled,
    StreamError,
    TextDelta,
    Usage,
)
from tui.providers.pool import AdapterPool
from tui.ui.messages import ReplyDelta, ReplyFinished, ReplyRetrying, ReplyUsage

log = logging.getLogger(__name__)

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

    def __init__(self, target: MessagePump, conversation_id: str) -> None:
        self._target = target
        self._conversation_id = conversation_id
        self._pending: list[str] = []
        self._last_post = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def add(self, text: str) -> bool:
        """Queue `text`; True if it was posted at once."""
        self._pending.append(text)
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
            self._target.post_message(ReplyDelta(self._conversation_id, TextDelta(text)))
            self._last_post = asyncio.get_running_loop().time()


async def stream_reply(
    target: MessagePump,
    conversation_id: str,
    config: Config,
    provider: ProviderConfig,
    request: ChatRequest,
    pool: AdapterPool,
    *,
    saved: Callable[[], object] | None = None,
) -> None:
    """Run one reply and post what happens to `target`, ending with `ReplyFinished`.

    `saved` blocks until the user's message is on disk: it runs off the event loop
    before the request leaves, so a slow disk never freezes the screen.

    (A worker cancelled before it ever ran cannot post; the screen's
    `Worker.StateChanged` handler finishes such a reply instead.)
    """
    finished: Finished | None = None
    error: StreamError | None = None
    batcher = TextBatcher(target, conversation_id)
    loop = asyncio.get_running_loop()
    try:
        # Waiting for the disk and building an adapter (which can import an SDK): both
        # off the event loop.
        def prepare() -> Provider:
            if saved is not None:
                saved()
            return pool.get(provider)

        adapter = await asyncio.to_thread(prepare)
        ran_since = loop.time()
        async for event in reply_events(config, provider, request, adapter=adapter):
            # After text that went out at once, let the screen draw it before reading on.
            posted_now = isinstance(event, TextDelta) and batcher.add(event.text)
            if not isinstance(event, TextDelta):
                batcher.post()
            match event:
                case TextDelta():
                    pass
                case Usage():
                    target.post_message(ReplyUsage(conversation_id, event))
                case RetryScheduled():
                    target.post_message(ReplyRetrying(conversation_id, event))
                case StreamError():
                    error = event
                case Finished():
                    finished = event
                case _:
                    target.post_message(ReplyDelta(conversation_id, event))
            # Chunks that are already buffered are read without suspending, so a fast
            # stream would hold the event loop until it ends; let the UI run in between.
            if posted_now or loop.time() - ran_since >= YIELD_EVERY_S:
                await asyncio.sleep(0)
                ran_since = loop.time()
    except asyncio.CancelledError:
        finished = finished or Finished(FinishReason.CANCELLED)
        raise
    except Exception as exc:  # a bug of ours: keep the partial reply, say what happened
        log.exception("reply worker failed")
        error = StreamError(ErrorKind.STREAM, f"tui-chat: {type(exc).__name__}: {exc}")
        finished = Finished(FinishReason.ERROR)
    finally:
        batcher.post()
        final = finished or Finished(FinishReason.CANCELLED)
        target.post_message(ReplyFinished(conversation_id, final.reason, final.raw_reason, error))
