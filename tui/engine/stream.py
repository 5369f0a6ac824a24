"""One model request as a stream of reply events: the key check, retries, redaction, logs.

Nothing here knows about terminals, widgets or files. `reply_events` is what a
`ReplyRun` reads for each of its rounds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import aclosing
from dataclasses import replace

from tui.config import ProviderConfig, api_key
from tui.engine.request import missing_key_error
from tui.logs import debug_enabled
from tui.providers.base import ChatRequest, Provider
from tui.providers.events import (
    Finished,
    FinishReason,
    ReplyEvent,
    RetryScheduled,
    StreamError,
    Usage,
)
from tui.providers.retry import RetryPolicy, stream_with_retry

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


async def reply_events(
    provider: ProviderConfig,
    request: ChatRequest,
    adapter: Provider,
    *,
    policy: RetryPolicy | None = None,
    environ: Mapping[str, str] | None = None,
    sleep: Sleep = asyncio.sleep,
) -> AsyncGenerator[ReplyEvent, None]:
    """Stream one request to `adapter`, ending with exactly one `Finished`.

    A provider that needs a key it cannot get is not asked at all. `sleep` waits
    between a refusal and its retry (tests pass one that does not wait).
    """
    if provider.missing_key(environ):
        log.warning("%s: no API key (%s is not set)", provider.name, provider.api_key_env)
        yield missing_key_error(provider)
        yield Finished(FinishReason.ERROR)
        return
    key = api_key(provider, environ)
    timing = _Timing(provider, request)
    try:
        events = stream_with_retry(adapter, request, policy or RetryPolicy(), sleep)
        async with aclosing(events):  # a consumer that stops early closes the stream now
            async for event in events:
                if key and isinstance(event, StreamError):
                    event = redact(event, key)
                elif key and isinstance(event, RetryScheduled):
                    event = replace(event, error=redact(event.error, key))
                timing.saw(event)
                yield event
    finally:
        timing.close()


class _Timing:
    """Logs one request: its start, retries, errors, and how and when it ended."""

    def __init__(self, provider: ProviderConfig, request: ChatRequest) -> None:
        self.label = f"{provider.name}/{request.model}"
        self.started = time.monotonic()
        self.first: float | None = None
        self.usage: Usage | None = None
        self.finished: Finished | None = None
        log.info("%s: request, %d messages", self.label, len(request.messages))
        if debug_enabled() and request.messages:
            log.debug("%s: last message: %r", self.label, request.messages[-1].content)

    def saw(self, event: ReplyEvent) -> None:
        match event:
            case Usage():
                self.usage = event
            case RetryScheduled(error=error, delay=delay):
                log.info("%s: retry in %.1f s after %s", self.label, delay, error.message)
            case StreamError(kind=kind, message=message, status=status):
                log.warning("%s: %s error (status %s): %s", self.label, kind, status, message)
            case Finished():
                self.finished = event
            case _ if self.first is None:
                self.first = time.monotonic()

    def close(self) -> None:
        elapsed = time.monotonic() - self.started
        first = f"{self.first - self.started:.2f} s" if self.first is not None else "none"
        reason = self.finished.reason if self.finished else "cancelled"
        tokens = f"{self.usage.input_tokens}/{self.usage.output_tokens}" if self.usage else "?"
        log.info(
            "%s: %s after %.2f s (first token %s, tokens in/out %s)",
            self.label,
            reason,
            elapsed,
            first,
            tokens,
        )


def redact(error: StreamError, key: str) -> StreamError:
    """`error` with the API key blanked out: servers sometimes echo a rejected key."""
    if key not in error.message and key not in (error.provider_message or ""):
        return error
    hidden = "[API key hidden]"
    return replace(
        error,
        message=error.message.replace(key, hidden),
        provider_message=(error.provider_message or "").replace(key, hidden) or None,
    )
