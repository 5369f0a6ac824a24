"""The normalised events every provider adapter yields, and nothing else.

A stream is a sequence of deltas and usage updates that always ends with exactly one
`Finished`. Failures arrive as a `StreamError` followed by `Finished(ERROR)`, never as an
exception (the only exception is `asyncio.CancelledError`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FinishReason(StrEnum):
    """Why a reply ended, in the same words for every provider."""

    STOP = "stop"
    LENGTH = "length"
    TOOL_CALLS = "tool_calls"
    TOOL_LIMIT = "tool_limit"
    """The reply stopped after `max_tool_rounds` rounds of tool calls (never sent by an
    adapter: the reply engine decides it)."""
    CONTENT_FILTER = "content_filter"
    REFUSAL = "refusal"
    ERROR = "error"
    CANCELLED = "cancelled"
    OTHER = "other"


class ErrorKind(StrEnum):
    """What went wrong, coarse enough for the UI to choose a message and a retry policy."""

    AUTH = "auth"
    NOT_FOUND = "not_found"
    BAD_REQUEST = "bad_request"
    CONTEXT_LENGTH = "context_length"
    RATE_LIMIT = "rate_limit"
    OVERLOADED = "overloaded"
    SERVER = "server"
    CONNECTION = "connection"
    TIMEOUT = "timeout"
    STREAM = "stream"
    """An error event inside a stream that had started fine."""
    INCOMPLETE = "incomplete"
    """The stream ended without telling why: the reply may be cut off."""
    CONFIG = "config"
    """The request never left: no key, or the SDK rejected its arguments."""


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the reply text."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A piece of the model's reasoning ("thinking") text."""

    text: str


@dataclass(frozen=True, slots=True)
class RefusalDelta:
    """A piece of an OpenAI-style refusal message."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of a tool call: `id` and `name` arrive once, `arguments` in pieces."""

    index: int
    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Running token totals of one request; any field may be None while the provider
    has not said.

    The counts mean the same for every API: `input_tokens` is ALL the input of the
    request, cached or not. `cached_input_tokens` and `cache_write_tokens` are parts of
    it (never added to it again). OpenAI-style servers already count this way
    (`prompt_tokens` includes `prompt_tokens_details.cached_tokens`); Anthropic does not
    (its `input_tokens` leaves out `cache_read_input_tokens` and
    `cache_creation_input_tokens`), so its adapter adds them in. The input not touched
    by the cache is therefore `input_tokens - cached_input_tokens - cache_write_tokens`.
    """

    input_tokens: int | None
    """All input tokens of the request, including cache reads and writes."""
    output_tokens: int | None
    """All output tokens, reasoning included."""
    reasoning_tokens: int | None = None
    """The part of `output_tokens` spent reasoning, where the provider says."""
    cached_input_tokens: int | None = None
    """The part of `input_tokens` read from the provider's prompt cache (priced lower):
    OpenAI's `prompt_tokens_details.cached_tokens`, Anthropic's
    `cache_read_input_tokens`. None when the provider did not say, or said 0."""
    cache_write_tokens: int | None = None
    """The part of `input_tokens` written to the prompt cache (Anthropic's
    `cache_creation_input_tokens`, priced higher). None when not said, or 0."""
    cost_usd: float | None = None
    """What the provider says the request cost in US dollars (OpenRouter's
    `usage.cost`); None when it did not say. 0 is a real price (a free model)."""


@dataclass(frozen=True, slots=True)
class Finished:
    """The reply is over. `raw_reason` is the provider's own word for it, if any."""

    reason: FinishReason
    raw_reason: str | None = None


@dataclass(frozen=True, slots=True)
class StreamError:
    """A failure, described for people (`message`) and for code (the rest).

    `provider_type` and `provider_message` are the provider's own error type and text,
    when it sent any; `retry_after` is the delay the provider asked for, in seconds.
    """

    kind: ErrorKind
    message: str
    status: int | None = None
    retryable: bool = False
    provider_type: str | None = None
    provider_message: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class RetryScheduled:
    """The retry policy will ask again after `delay` seconds (never sent by an adapter)."""

    delay: float
    attempt: int
    error: StreamError


StreamEvent = (
    TextDelta | ReasoningDelta | RefusalDelta | ToolCallDelta | Usage | Finished | StreamError
)
ReplyEvent = StreamEvent | RetryScheduled
"""What a reply stream yields once the retry policy wraps an adapter."""
