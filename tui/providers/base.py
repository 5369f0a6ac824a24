"""What a provider is asked for (`ChatRequest`) and what it must offer (`Provider`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from tui.providers.events import StreamEvent

RequestRole = Literal["user", "assistant"]


@dataclass(frozen=True, slots=True)
class RequestMessage:
    """One turn of the history as sent to a model."""

    role: RequestRole
    content: str


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


@dataclass(frozen=True, slots=True)
class ModelListing:
    """The models a provider offers, or why they could not be listed."""

    models: tuple[str, ...] = ()
    error: str | None = None
    reachable: bool = True
    """False when the server could not be reached at all (not running, wrong URL)."""


class Provider(Protocol):
    """A source of streamed replies (the registry imports each SDK only when needed)."""

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
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
