"""How full a model's context window is, and what to leave out when a message won't fit.

The window comes from, in order: the provider's `context_window` setting (a number the
user wrote wins), what the server says (llama.cpp, Ollama, OpenRouter, vLLM), a small
table of known models, else it is unknown. The fill is the last reply's real input
tokens plus an estimate for what came after; before any reply, an estimate of it all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui.attachments import with_attachments
from tui.domain import ChatMessage, Conversation, Role

CHARS_PER_TOKEN = 4  # the usual rough average for English text with BPE tokenizers
WARN_FRACTION = 0.8
"""From this fill on, the meter takes the warning colour."""

# Longest matching prefix of the bare model name (no `vendor/`) wins.
KNOWN_WINDOWS: dict[str, int] = {
    "gpt-5": 400_000,
    "gpt-4.1": 1_047_576,
    "gpt-4o": 128_000,
    "gpt-4-turbo": 128_000,
    "gpt-4": 8_192,
    "gpt-3.5-turbo": 16_385,
    "o1": 200_000,
    "o3": 200_000,
    "o4-mini": 200_000,
    "claude-": 200_000,
    "deepseek-chat": 128_000,
    "deepseek-reasoner": 128_000,
    "llama3.1": 131_072,
    "llama3.2": 131_072,
    "llama3.3": 131_072,
    "llama3": 8_192,
    "qwen2.5": 32_768,
    "qwen3": 40_960,
    "mistral": 32_768,
    "gemma3": 131_072,
}


def estimate_tokens(text: str) -> int:
    """A rough token count for text whose real count is not known."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def known_window(model: str) -> int | None:
    """The context window of a well-known model, from `KNOWN_WINDOWS`."""
    bare = model.rsplit("/", 1)[-1].lower()
    matches = [prefix for prefix in KNOWN_WINDOWS if bare.startswith(prefix)]
    return KNOWN_WINDOWS[max(matches, key=len)] if matches else None


@dataclass(frozen=True, slots=True)
class Window:
    """A model's context window and where the number came from."""

    tokens: int | None
    source: str
    """`config`, `server`, `table` or `unknown`."""


def configured_or_known(setting: int | None, model: str) -> Window | None:
    """The window without asking the server: the config's, else the table's."""
    if setting:
        return Window(setting, "config")
    if (tokens := known_window(model)) is not None:
        return Window(tokens, "table")
    return None


@dataclass(frozen=True, slots=True)
class Fill:
    """How many tokens the next request will carry, and whether that is counted."""

    tokens: int
    exact: bool


def message_tokens(message: ChatMessage) -> int:
    """An estimate of one message as sent (attached files included)."""
    return estimate_tokens(with_attachments(message.content, message.attachments))


def fill(conv: Conversation, extra: Sequence[ChatMessage] = ()) -> Fill:
    """Tokens the next request sends: the newest reply's reported input and output, plus
    estimates for what follows it (and `extra`, a message about to be sent)."""
    messages = [*conv.messages, *extra]
    for index in range(len(messages) - 1, -1, -1):
        reply = messages[index]
        if reply.role is Role.ASSISTANT and reply.input_tokens is not None:
            output = reply.output_tokens
            if output is None:
                output = estimate_tokens(reply.content)
            later = messages[index + 1 :]
            # Messages left out of that request are counted by estimate.
            left_out = messages[: reply.dropped]
            tokens = reply.input_tokens + output
            tokens += sum(message_tokens(m) for m in (*left_out, *later))
            return Fill(tokens, exact=not later and not left_out)
    system = estimate_tokens(conv.system_prompt or "")
    return Fill(system + sum(message_tokens(m) for m in messages), exact=False)


def oldest_to_drop(conv: Conversation, new: ChatMessage, window: int) -> int:
    """How many of the oldest messages to leave out of the request so that it (with
    `new`) fits in `window`: whole exchanges, never the new message. Returns all of the
    history when even the new message alone is too big."""
    messages = conv.messages
    system = estimate_tokens(conv.system_prompt or "")
    estimates = [message_tokens(m) for m in messages]
    # A reported count also holds what the estimate misses (chat template tokens and
    # the like): spread that over the messages, so dropping them is counted truly.
    missed = max(0, fill(conv).tokens - system - sum(estimates))
    sizes = [size + missed / len(messages) for size in estimates] if messages else []
    budget = window - system - message_tokens(new)
    kept = sum(sizes)
    dropped = 0
    while dropped < len(messages) and kept > budget:
        kept -= sizes[dropped]
        dropped += 1
        # Never start on a reply: the exchange goes as a whole.
        while dropped < len(messages) and messages[dropped].role is Role.ASSISTANT:
            kept -= sizes[dropped]
            dropped += 1
    return dropped


def short_count(tokens: int) -> str:
    """`950`, `12.3k`, `128k`, `1.05M`."""
    if tokens < 1000:
        return str(tokens)
    if tokens < 1_000_000:
        value = tokens / 1000
        return f"{value:.1f}k".replace(".0k", "k") if value < 100 else f"{value:.0f}k"
    return f"{tokens / 1_000_000:.2f}".rstrip("0").rstrip(".") + "M"


def meter(used: Fill, window: int | None, width: int = 10) -> tuple[str, str]:
    """(text, css class) for the status line: `ctx ~3.2k/128k ▰▰▱▱▱▱▱▱▱▱ 3%`; nothing
    while the window is unknown."""
    if not window:
        return "", ""  # the conversation's total is shown beside it anyway
    count = ("" if used.exact else "~") + short_count(used.tokens)
    share = used.tokens / window
    full = min(width, int(share * width + 0.5))
    bar = "▰" * full + "▱" * (width - full)
    css = "-over" if share > 1 else "-warning" if share >= WARN_FRACTION else ""
    return f"ctx {count}/{short_count(window)} {bar} {share:.0%}", css
