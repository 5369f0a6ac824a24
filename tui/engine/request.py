"""What is sent for the next reply: the conversation's history in a provider's settings."""

from __future__ import annotations

from tui.attachments import with_attachments
from tui.config import ProviderConfig
from tui.domain import Conversation, Role
from tui.providers.base import ChatRequest, RequestMessage
from tui.providers.events import ErrorKind, StreamError
from tui.reasoning import ReasoningSetting, sent


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
