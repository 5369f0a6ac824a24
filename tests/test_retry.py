from __future__ import annotations

from collections.abc import AsyncIterator

from tui.providers.base import ChatRequest, RequestMessage
from tui.providers.events import (
    ErrorKind,
    Finished,
    FinishReason,
    ReplyEvent,
    RetryScheduled,
    StreamError,
    StreamEvent,
    TextDelta,
)
from tui.providers.retry import RetryPolicy, stream_with_retry

REQUEST = ChatRequest(model="m", messages=(RequestMessage("user", "hi"),))
RATE_LIMITED = StreamError(ErrorKind.RATE_LIMIT, "slow down", 429, True, retry_after=3.0)


class ScriptedProvider:
    """A provider (our own Protocol, not an SDK) that plays one script per request."""

    def __init__(self, *scripts: list[StreamEvent]) -> None:
        self.scripts = list(scripts)
        self.requests = 0

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        self.requests += 1
        for event in self.scripts.pop(0):
            yield event

    async def aclose(self) -> None:
        pass


async def collect(
    provider: ScriptedProvider, policy: RetryPolicy
) -> tuple[list[ReplyEvent], list[float]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    events = [e async for e in stream_with_retry(provider, REQUEST, policy, sleep)]
    return events, waits


FAILED = [RATE_LIMITED, Finished(FinishReason.ERROR)]
OK = [TextDelta("hello"), Finished(FinishReason.STOP, "stop")]


async def test_rate_limit_is_retried_once_after_retry_after() -> None:
    provider = ScriptedProvider(FAILED, OK)
    events, waits = await collect(provider, RetryPolicy())
    assert events == [RetryScheduled(3.0, 1, RATE_LIMITED), *OK]
    assert waits == [3.0]
    assert provider.requests == 2


async def test_second_failure_is_reported_not_retried_again() -> None:
    provider = ScriptedProvider(FAILED, FAILED)
    events, waits = await collect(provider, RetryPolicy())
    assert events == [RetryScheduled(3.0, 1, RATE_LIMITED), *FAILED]
    assert waits == [3.0]


async def test_retry_after_over_the_cap_is_not_waited_for() -> None:
    provider = ScriptedProvider(FAILED)
    events, waits = await collect(provider, RetryPolicy(max_delay=2.0))
    assert events == FAILED
    assert waits == []


async def test_partial_replies_and_other_errors_are_never_retried() -> None:
    auth = StreamError(ErrorKind.AUTH, "bad key", 401)
    partial = [TextDelta("par"), RATE_LIMITED, Finished(FinishReason.ERROR)]
    for script in ([auth, Finished(FinishReason.ERROR)], partial):
        provider = ScriptedProvider(script)
        events, waits = await collect(provider, RetryPolicy())
        assert events == script
        assert waits == []
        assert provider.requests == 1


async def test_missing_retry_after_uses_default_delay() -> None:
    overloaded = StreamError(ErrorKind.OVERLOADED, "busy", 529, True)
    provider = ScriptedProvider([overloaded, Finished(FinishReason.ERROR)], OK)
    events, waits = await collect(provider, RetryPolicy(default_delay=1.5))
    assert waits == [1.5]
    assert events[-1] == Finished(FinishReason.STOP, "stop")
