"""How a finished (or interrupted) message says why it ended, in plain words."""

from __future__ import annotations

from tui.domain import ChatMessage, MessageStatus, Role

WARNING_REASONS = frozenset({"length", "content_filter", "refusal", "cancelled", "tool_limit"})


def finish_label(message: ChatMessage) -> tuple[str, str]:
    """(text, css class) for the line under an assistant message."""
    if message.status is MessageStatus.STREAMING:
        return ("⚠ interrupted: the app stopped while this reply streamed", "-warning")
    reason = message.finish_reason or "unknown"
    words = {
        "stop": "✓ stop",
        "length": "⚠ length: cut off at max tokens",
        "content_filter": "⚠ content_filter: stopped by the provider's content filter",
        "tool_calls": "tool_calls: the model asked to call tools",
        "tool_limit": f"⚠ tool_limit: stopped after {len(message.steps)} tool rounds",
        "refusal": "⚠ refusal: the model declined",
        "cancelled": "■ cancelled: stopped by you, partial reply kept",
        "error": f"✗ error: {message.error or 'unknown error'}",
        "other": f"other: {message.raw_finish_reason or 'unknown'}",
    }.get(reason, f"{reason}")
    css = "-error" if reason == "error" else "-warning" if reason in WARNING_REASONS else "-ok"
    return (f"{words}{token_words(message)}", css)


def token_words(message: ChatMessage) -> str:
    """` · 12 in / 34 out tokens · provider model` (parts that are known)."""
    parts = []
    if message.input_tokens is not None or message.output_tokens is not None:
        inp = "?" if message.input_tokens is None else message.input_tokens
        out = "?" if message.output_tokens is None else message.output_tokens
        thought = f" ({message.reasoning_tokens} reasoning)" if message.reasoning_tokens else ""
        parts.append(f"{inp} in / {out} out tokens{thought}")
    if message.provider:
        parts.append(f"{message.provider} {message.model or ''}".rstrip())
    if message.dropped:
        parts.append(f"sent without the {message.dropped} oldest messages")
    return "".join(f" · {p}" for p in parts)


def conversation_tokens(messages: list[ChatMessage]) -> int:
    """Tokens used by a conversation: every reply's input and output, as reported."""
    return sum(
        (m.input_tokens or 0) + (m.output_tokens or 0) for m in messages if m.role is Role.ASSISTANT
    )
