"""How a finished (or interrupted) message says why it ended, in plain words."""

from __future__ import annotations

from tui.domain import ChatMessage, MessageStatus, Role
from tui.prices import cost_words

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
        inp = "?" if message.input_tokens is None else f"{message.input_tokens:,}"
        out = "?" if message.output_tokens is None else f"{message.output_tokens:,}"
        thought = f" ({message.reasoning_tokens:,} reasoning)" if message.reasoning_tokens else ""
        parts.append(f"{inp} in / {out} out tokens{thought}")
    if (cost := reply_cost_words(message)) is not None:
        parts.append(cost)
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


def priced(message: ChatMessage) -> bool | None:
    """Whether a reply's cost is known: None for one that never got as far as a request
    (no tokens and no cost: nothing to price)."""
    if message.cost_usd is not None:
        return True
    if message.input_tokens is None and message.output_tokens is None:
        return None
    return False


def reply_cost_words(message: ChatMessage) -> str | None:
    """`$0.0012` or `cost unknown` for a reply; None when there is nothing to say: a
    reply that cost nothing (the offline provider) or never reached a model."""
    known = priced(message)
    if known is None or message.cost_usd == 0:
        return None
    return cost_words(message.cost_usd) if known else "cost unknown"


def conversation_cost(messages: list[ChatMessage]) -> tuple[float, int, int]:
    """(the known costs summed, how many replies have one, how many have none) over
    every reply of a conversation, versions included."""
    total, known, unknown = 0.0, 0, 0
    for message in messages:
        if message.role is not Role.ASSISTANT:
            continue
        for version in (message, *message.alternatives):
            state = priced(version)
            if state is None or version.status is MessageStatus.STREAMING:
                continue
            if state and version.cost_usd is not None:
                total += version.cost_usd
                known += 1
            else:
                unknown += 1
    return total, known, unknown


def conversation_cost_words(messages: list[ChatMessage]) -> str:
    """`$0.42`, `$0.42 + 2 unpriced`, `cost unknown`, or "" (nothing spent, all priced)."""
    total, known, unknown = conversation_cost(messages)
    if not unknown:
        return cost_words(total) if total > 0 else ""
    if not known:
        return "cost unknown"
    return f"{cost_words(total)} + {unknown} unpriced"
