"""The reply worker's body: engine events in, Textual messages out. Knows no widgets."""

from __future__ import annotations

import asyncio

from textual.message_pump import MessagePump

from tui.config import Config, ProviderConfig
from tui.engine import reply_events
from tui.providers.base import ChatRequest
from tui.providers.events import (
    ErrorKind,
    Finished,
    FinishReason,
    RetryScheduled,
    StreamError,
    Usage,
)
from tui.providers.pool import AdapterPool
from tui.ui.messages import ReplyDelta, ReplyFinished, ReplyRetrying, ReplyUsage


async def stream_reply(
    target: MessagePump,
    conversation_id: str,
    config: Config,
    provider: ProviderConfig,
    request: ChatRequest,
    pool: AdapterPool,
) -> None:
    """Run one reply and post what happens to `target`, ending with `ReplyFinished`.

    (A worker cancelled before it ever ran cannot post; the screen's
    `Worker.StateChanged` handler finishes such a reply instead.)
    """
    finished: Finished | None = None
    error: StreamError | None = None
    try:
        # Building an adapter can import an SDK: never on the event loop.
        adapter = await asyncio.to_thread(pool.get, provider)
        async for event in reply_events(config, provider, request, adapter=adapter):
            match event:
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
            await asyncio.sleep(0)
    except asyncio.CancelledError:
        finished = finished or Finished(FinishReason.CANCELLED)
        raise
    except Exception as exc:  # a bug of ours: keep the partial reply, say what happened
        error = StreamError(ErrorKind.STREAM, f"tui-chat: {type(exc).__name__}: {exc}")
        finished = Finished(FinishReason.ERROR)
    finally:
        final = finished or Finished(FinishReason.CANCELLED)
        target.post_message(ReplyFinished(conversation_id, final.reason, final.raw_reason, error))
