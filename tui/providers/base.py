"""What a provider is asked for (`ChatRequest`) and what it must offer (`Provider`)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from tui.providers.events import StreamEvent

RequestRole = Literal["user", "assistant", "tool"]


@dataclass(frozen=True, slots=True)
class RequestImage:
    """An image sent with a turn: its bytes as they go (already within the provider's
    limits), base64-encoded by the adapter."""

    media_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class RequestToolCall:
    """A tool call of an earlier assistant turn, sent back with the history."""

    id: str
    name: str
    arguments: str
    """The JSON text the model sent (sent back as it was, even if it is not valid JSON)."""


@dataclass(frozen=True, slots=True)
class RequestToolResult:
    """The answer to one tool call."""

    call_id: str
    name: str
    text: str
    is_error: bool = False
    images: tuple[RequestImage, ...] = ()
    """Images the tool returned (sent where the API takes them in a tool result)."""


@dataclass(frozen=True, slots=True)
class RequestMessage:
    """One turn of the history as sent to a model.

    An assistant turn may carry `tool_calls`; the turn after it then has role `tool`
    and carries one `tool_results` entry per call (its `content` is empty). Each
    adapter puts these in its API's shape.
    """

    role: RequestRole
    content: str
    tool_calls: tuple[RequestToolCall, ...] = ()
    tool_results: tuple[RequestToolResult, ...] = ()
    images: tuple[RequestImage, ...] = ()
    """Images of a user turn, sent after its text."""


@dataclass(frozen=True, slots=True)
class ToolDefinition:
    """A tool offered to the model: `name` matches `^[a-zA-Z0-9_-]{1,64}$`."""

    name: str
    description: str
    parameters: Mapping[str, Any]
    """The JSON Schema of its arguments (an object schema)."""


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """Everything one streamed reply needs, independent of the provider's API shape."""

    model: str
    messages: tuple[RequestMessage, ...]
    system: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    reasoning_effort: str | None = None
    """OpenAI-style `reasoning_effort` (low, medium, high…), only for models that take it."""
    thinking_budget: int | None = None
    """Anthropic extended thinking's `budget_tokens`; None leaves thinking off."""
    tools: tuple[ToolDefinition, ...] = ()
    """Tools the model may call (none: the request has no `tools` at all)."""
    prompt_caching: bool = False
    """Mark the system prompt and the latest user turns for the provider's prompt cache
    (Anthropic's `cache_control`); APIs that cache by themselves ignore it."""


@dataclass(frozen=True, slots=True)
class ModelListing:
    """The models a provider offers, or why they could not be listed."""

    models: tuple[str, ...] = ()
    error: str | None = None
    reachable: bool = True
    """False when the server could not be reached at all (not running, wrong URL)."""


class Provider(Protocol):
    """A source of streamed replies (the registry imports each SDK only when needed)."""

    def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        """Stream one reply as normalised events, ending with exactly one `Finished`."""
        ...

    async def list_models(self, wait_s: float) -> ModelListing:
        """The provider's model names, waiting at most `wait_s` (never raises)."""
        ...

    async def context_window(self, model: str, wait_s: float) -> int | None:
        """The model's context window as the server reports it, or None (never raises)."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client."""
        ...
