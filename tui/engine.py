"""The chat engine shared by `tui-chat ask` and the UI: request in, reply events out.

Nothing here knows about terminals or widgets. `reply_events` turns a conversation into
a stream of events (retries included); `record_reply` copies what arrived into the
assistant `ChatMessage` that the store saves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace

from tui.attachments import with_attachments
from tui.config import Config, ProviderConfig, api_key
from tui.domain import ChatMessage, Conversation, MessageStatus, Role, ToolCallRecord
from tui.logs import debug_enabled
from tui.providers.base import ChatRequest, Provider, RequestMessage
from tui.providers.events import (
    ErrorKind,
    Finished,
    FinishReason,
    ReplyEvent,
    RetryScheduled,
    StreamError,
    Usage,
)
from tui.providers.registry import build_provider
from tui.providers.reply import ReplyState
from tui.providers.retry import RetryPolicy, stream_with_retry
from tui.reasoning import ReasoningSetting, sent

log = logging.getLogger(__name__)


def build_request(conv: Conversation, provider: ProviderConfig, drop: int = 0) -> ChatRequest:
    """The request for the next reply: the history, in the provider's settings.

    Assistant turns that produced no text (a failed reply) are left out, so the history
    stays a valid exchange for every API. `drop` leaves out that many of the oldest
    messages (chosen by the user, to fit the context window).
    """
    turns = tuple(
        RequestMessage(message.role.value, with_attachments(message.content, message.attachments))
        for message in conv.messages[drop:]
        if message.content or message.role is Role.USER
    )
    reasoning = sent(
        ReasoningSetting(conv.reasoning_effort, conv.thinking_budget), provider.kind, provider.model
    )
    return ChatRequest(
        model=provider.model,
        messages=turns,
        system=conv.system_prompt,
        max_tokens=provider.max_tokens,
        temperature=provider.temperature,
        extra_headers=provider.extra_headers,
        reasoning_effort=reasoning.effort,
        thinking_budget=reasoning.thinking_budget,
    )


def missing_key_error(provider: ProviderConfig) -> StreamError:
    """The error shown instead of sending a request that cannot succeed without a key."""
    return StreamError(
        kind=ErrorKind.AUTH,
        message=(
            f"{provider.name} needs an API key: set {provider.api_key_env} in the environment "
            f"(export {provider.api_key_env}=...) and start again, or pick another provider "
            "(the built-in 'offline' one needs none)."
        ),
        provider_type="missing_api_key",
    )


async def reply_events(
    config: Config,
    provider: ProviderConfig,
    request: ChatRequest,
    *,
    policy: RetryPolicy | None = None,
    environ: Mapping[str, str] | None = None,
    adapter: Provider | None = None,
) -> AsyncIterator[ReplyEvent]:
    """Stream one reply from `provider`, ending with exactly one `Finished`.

    Pass a long-lived `adapter` (see `AdapterPool`) to reuse its connections; without
    one, an adapter is built for this reply and closed after it.
    """
    if provider.missing_key(environ):
        log.warning("%s: no API key (%s is not set)", provider.name, provider.api_key_env)
        yield missing_key_error(provider)
        yield Finished(FinishReason.ERROR)
        return
    own = adapter is None
    if adapter is None:
        adapter = build_provider(provider, environ=environ, config_path=str(config.config_path))
    key = api_key(provider, environ)
    timing = _Timing(provider, request)
    try:
        async for event in stream_with_retry(adapter, request, policy or RetryPolicy()):
            if key and isinstance(event, StreamError):
                event = redact(event, key)
            elif key and isinstance(event, RetryScheduled):
                event = replace(event, error=redact(event.error, key))
            timing.saw(event)
            yield event
    finally:
        timing.close()
        if own:
            await adapter.aclose()


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


def record_reply(message: ChatMessage, state: ReplyState) -> None:
    """Copy the reply so far into `message` (finished or not: nothing is dropped)."""
    message.content = state.text
    message.reasoning = state.reasoning
    message.refusal = state.refusal
    message.input_tokens = state.input_tokens
    message.output_tokens = state.output_tokens
    message.reasoning_tokens = state.reasoning_tokens
    message.tool_calls = [
        ToolCallRecord(call.id or "", call.name, call.arguments)
        for _, call in sorted(state.tool_calls.items())
    ]
    if state.finish_reason is None:
        message.status = MessageStatus.STREAMING
        return
    message.status = MessageStatus.DONE
    message.finish_reason = str(state.finish_reason)
    message.raw_finish_reason = state.raw_finish_reason
    message.error = state.error.message if state.error else None


def start_reply(conv: Conversation, provider: ProviderConfig) -> ChatMessage:
    """Append and return the empty assistant message a reply streams into."""
    return conv.add(
        ChatMessage(
            role=Role.ASSISTANT,
            content="",
            provider=provider.name,
            model=provider.model,
            status=MessageStatus.STREAMING,
        )
    )
