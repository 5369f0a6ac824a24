"""The one place that decides when a failed request is asked again.

The SDK clients are built with `max_retries=0`; this policy retries only a request that
was refused before any reply arrived (rate limited or overloaded), waits what the
provider asked for (within a cap), and says so with a `RetryScheduled` event first, so a
retry is never silent and never multiplied by the SDK's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass

from tui.providers.base import ChatRequest, Provider
from tui.providers.events import (
    ErrorKind,
    Finished,
    ReplyEvent,
    RetryScheduled,
    StreamError,
    StreamEvent,
)

RETRIED_KINDS = frozenset({ErrorKind.RATE_LIMIT, ErrorKind.OVERLOADED})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to wait before asking again."""

    attempts: int = 1
    """Retries after the first try."""
    default_delay: float = 2.0
    """Wait when the provider gave no retry-after."""
    max_delay: float = 30.0
    """A longer retry-after is not waited for: the error is shown instead."""

    def delay_for(self, error: StreamError) -> float | None:
        """Seconds to wait before retrying after `error`, or None for no retry."""
        if error.kind not in RETRIED_KINDS:
            return None
        delay = self.default_delay if error.retry_after is None else error.retry_after
        return delay if delay <= self.max_delay else None


async def stream_with_retry(
    provider: Provider,
    request: ChatRequest,
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AsyncGenerator[ReplyEvent, None]:
    """`provider.stream(request)`, retried under `policy` while nothing has arrived."""
    attempt = 0
    while True:
        held: list[StreamEvent] = []
        retry_delay: float | None = None
        stream = provider.stream(request)
        async with aclosing(stream):
            async for event in stream:
                if isinstance(event, StreamError) and not held and attempt < policy.attempts:
                    retry_delay = policy.delay_for(event)
                    if retry_delay is not None:
                        attempt += 1
                        yield RetryScheduled(retry_delay, attempt, event)
                        continue
                if retry_delay is not None and isinstance(event, Finished):
                    break
                held.append(event)
                yield event
        if retry_delay is None:
            return
        await sleep(retry_delay)
