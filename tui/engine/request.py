"""What is sent for the next reply: the conversation's history in a provider's settings."""

from __future__ import annotations

from tui.attachments import with_attachments
from tui.config import ProviderConfig, ProviderKind
from tui.domain import ChatMessage, Conversation, Role, ToolCallRecord
from tui.engine.image_fit import ImageLoader, request_images, with_notes
from tui.images import ImageLimits, limits_for
from tui.providers.base import ChatRequest, RequestMessage, RequestToolCall, RequestToolResult
from tui.providers.events import ErrorKind, StreamError
from tui.reasoning import ReasoningSetting, sent


def build_request(
    conv: Conversation,
    provider: ProviderConfig,
    drop: int = 0,
    *,
    images: ImageLoader | None = None,
) -> ChatRequest:
    """The request for the next reply: the history, in the provider's settings.

    Assistant turns that produced nothing (a failed reply) are left out, so the history
    stays a valid exchange for every API. `drop` leaves out that many of the oldest
    messages (chosen by the user, to fit the context window). `images` reads the blobs
    of the history's images, which go fitted to the provider's limits (see
    `tui.engine.image_fit`); without it, or for a missing blob, a turn says
    `[image missing: name]` instead.
    """
    turns = tuple(
        turn
        for message in conv.messages[drop:]
        for turn in message_turns(message, images, kind=provider.kind)
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
        prompt_caching=prompt_caching(provider),
    )


def prompt_caching(provider: ProviderConfig) -> bool:
    """Whether requests mark turns for the prompt cache: the config's `prompt_caching`,
    on by default for the anthropic kind (OpenAI-style servers cache by themselves)."""
    if provider.prompt_caching is not None:
        return provider.prompt_caching
    return provider.kind == "anthropic"


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


NOT_RUN = "Not run: the reply ended before this call ran."
"""The result sent for a call saved without one (stopped, or past the round limit)."""


def message_turns(
    message: ChatMessage, images: ImageLoader | None = None, *, kind: ProviderKind = "openai"
) -> list[RequestMessage]:
    """The request turns for one message: a reply that called tools becomes, per round,
    its text with its calls, then a turn of their results. A user message's images and
    a tool result's go with them, read by `images` and fitted to `kind`'s limits."""
    limits = limits_for(kind)
    if message.role is Role.USER:
        text = with_attachments(message.content, message.attachments)
        sent, notes = request_images(message.images, limits, images)
        return [RequestMessage("user", with_notes(text, notes), images=sent)]
    turns: list[RequestMessage] = []
    rounds = [(step.text, step.calls) for step in message.steps]
    for text, calls in [*rounds, (message.content, message.tool_calls)]:
        if calls:
            turns.extend(_tool_round(text, calls, limits, images))
        elif text:
            turns.append(RequestMessage("assistant", text))
    return turns


def _tool_round(
    text: str, calls: list[ToolCallRecord], limits: ImageLimits, images: ImageLoader | None
) -> tuple[RequestMessage, RequestMessage]:
    asked = tuple(RequestToolCall(c.id, c.name, c.arguments) for c in calls)
    results = tuple(_result(call, limits, images) for call in calls)
    return (
        RequestMessage("assistant", text, tool_calls=asked),
        RequestMessage("tool", "", tool_results=results),
    )


def _result(
    call: ToolCallRecord, limits: ImageLimits, images: ImageLoader | None
) -> RequestToolResult:
    if call.result is None:
        return RequestToolResult(call.id, call.name, NOT_RUN, True)
    sent, notes = request_images(call.result.images, limits, images)
    text = with_notes(call.result.text, notes)
    return RequestToolResult(call.id, call.name, text, call.result.is_error, images=sent)
