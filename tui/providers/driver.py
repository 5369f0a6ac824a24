"""The loop every SDK adapter shares: open, read, map, and end with exactly one Finished."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from types import ModuleType
from typing import Any, Protocol

from tui.providers import errors
from tui.providers.events import Finished, FinishReason, StreamEvent


class ChunkMapper(Protocol):
    """A pure, stateful translator from one SDK's stream items to our events."""

    def handle(self, chunk: Any) -> list[StreamEvent]:
        """Events for one stream item."""
        ...

    def finish(self) -> Finished | None:
        """The closing event, or None when the provider never said why it stopped."""
        ...


async def drive_stream(
    open_stream: Callable[[], Awaitable[Any]],
    mapper: ChunkMapper,
    *,
    sdk: ModuleType,
    endpoint: errors.Endpoint,
    read_timeout: float,
) -> AsyncIterator[StreamEvent]:
    """Run one SDK stream through `mapper`, turning every failure into events.

    The stream is entered with `async with`, so cancelling the consumer closes the HTTP
    connection. `CancelledError` is the one exception that escapes.
    """
    started = False
    try:
        stream = await open_stream()
        async with stream:
            async for chunk in stream:
                started = True
                for event in mapper.handle(chunk):
                    yield event
    except Exception as exc:
        yield errors.from_sdk_exception(
            exc, sdk, endpoint, started=started, read_timeout=read_timeout
        )
        yield Finished(FinishReason.ERROR)
        return
    finished = mapper.finish()
    if finished is None:
        yield errors.incomplete_error(endpoint)
        yield Finished(FinishReason.ERROR)
    else:
        yield finished
