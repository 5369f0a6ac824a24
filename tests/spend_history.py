"""A generated history of saved replies, with known dates, tokens and costs, for the
budget and the Stats screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui.domain import ChatMessage, Conversation, Role
from tui.store import ConversationStore

Reply = tuple[int, str, str, int, int, int, float | None]
"""(days before `now`, provider, model, input, output, cached input tokens, cost)."""

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
HISTORY: list[Reply] = [
    (0, "openai", "gpt-4o", 1200, 300, 200, 0.25),
    (1, "openai", "gpt-4o", 800, 200, 0, 0.15),
    (3, "anthropic", "claude-sonnet", 2000, 500, 1000, 0.40),
    (6, "local", "llama", 500, 500, 0, None),
    (10, "openai", "gpt-4o-mini", 5000, 1000, 0, 0.05),
    (20, "anthropic", "claude-sonnet", 3000, 800, 0, 0.60),
    (45, "openai", "gpt-4o", 10000, 2000, 0, 1.00),
]
"""Days before NOW, provider, model, tokens and cost of each saved reply."""


def busy_month() -> list[Reply]:
    """A month of replies on most days, their spend rising and falling (for pictures)."""
    models = [("openai", "gpt-4o"), ("anthropic", "claude-sonnet"), ("openrouter", "llama-70b")]
    replies: list[Reply] = []
    for day in range(34):
        for turn in range((day * 7) % 4):
            provider, model = models[(day + turn) % len(models)]
            inp = 800 + (day * 131 + turn * 977) % 4000
            out = 200 + (day * 53 + turn * 211) % 900
            cost = (
                None
                if provider == "openrouter" and day % 5 == 0
                else (inp * 2.5 + out * 10) / 1e6 * (1 + day % 3)
            )
            replies.append((day, provider, model, inp, out, inp // 4, cost))
    return replies


def write_history(data_dir: Path, now: datetime, replies: list[Reply]) -> list[Conversation]:
    """One saved conversation per reply, its question and answer dated `days` before `now`."""
    store = ConversationStore(data_dir)
    convs = []
    for number, (days, provider, model, inp, out, cached, cost) in enumerate(replies):
        when = now - timedelta(days=days)
        conv = Conversation(
            f"{when:%Y%m%d-%H%M%S}-{number:06x}",
            f"question {number}",
            provider,
            model,
            created_at=when,
            updated_at=when,
        )
        conv.add(ChatMessage(Role.USER, f"question {number}", when))
        conv.add(
            ChatMessage(
                Role.ASSISTANT,
                f"answer {number}",
                when,
                provider=provider,
                model=model,
                finish_reason="stop",
                input_tokens=inp,
                output_tokens=out,
                cached_input_tokens=cached,
                cost_usd=cost,
            )
        )
        store.save(conv)
        convs.append(conv)
    return convs
