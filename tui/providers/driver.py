"""The loop every SDK adapter shares: open, read, map, and end with exactly one Finished."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterable, Callable
from contextlib import AbstractAsyncContextManager
from types import ModuleType
from typing import Any, Protocol

from tui.providers import errors
from tui.providers.events import (
    ErrorKind,
    Finished,
    FinishReason,
    ReasoningDelta,
    RefusalDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
)

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(event: StreamEvent) -> StreamEvent:
    """Replace lone UTF-16 surrogates (from `\\ud83d`-style JSON escapes split apart)
    with U+FFFD: they cannot be encoded as UTF-8, so no file could hold them."""
    match event:
        case TextDelta(text) | ReasoningDelta(text) | RefusalDelta(text) if not text.isascii():
            if _LONE_SURROGATE.search(text):
                return type(event)(_LONE_SURROGATE.sub("\ufffd", text))
        case ToolCallDelta(arguments=arguments) if not arguments.isascii():
            if _LONE_SURROGATE.search(arguments):
                fixed = _LONE_SURROGATE.sub("\ufffd", arguments)
                return ToolCallDelta(event.index, event.id, event.name, fixed)
    return event


class ChunkMapper(Protocol):
    """A pure, stateful translator from one SDK's stream items to our events."""

    def handle(self, chunk: Any) -> list[StreamEvent]:
        """Events for one stream item."""
        ...

    def finish(self) -> Finished | None:
        """The closing event, or None when the provider never said why it stopped."""
        ...


async def drive_stream(
    open_stream: Callable[[], AbstractAsyncContextManager[AsyncIterable[Any]]],
    mapper: ChunkMapper,
    *,
    sdk: ModuleType,
    endpoint: errors.Endpoint,
    read_timeout: float,
) -> AsyncGenerator[StreamEvent, None]:
    """Run one SDK stream through `mapper`, turning every failure into events.

    `open_stream()` is entered with `async with` (sending the request) and iterated;
    leaving it closes the HTTP response, so cancelling the consumer closes it too.
    `CancelledError` is the one exception that escapes.
    """
    started = False
    try:
        async with open_stream() as stream:
            async for chunk in stream:
                started = True
                for event in mapper.handle(chunk):
                    yield clean(event)
    except Exception as exc:
        error = errors.from_sdk_exception(
            exc, sdk, endpoint, started=started, read_timeout=read_timeout
        )
        finished = mapper.finish()
        if finished is not None and error.kind is ErrorKind.CONNECTION:
            # The reply was complete; only the trailing usage chunk or [DONE] was lost.
            yield finished
            return
        yield error
        yield Finished(FinishReason.ERROR)
        return
    finished = mapper.finish()
    if finished is None:
        yield errors.incomplete_error(endpoint)
        yield Finished(FinishReason.ERROR)
    else:
        yield finished
