"""A generated history of saved replies, with known dates, tokens and costs, for the
budget and the Stats screen."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tui.domain import ChatMessage, Conversation, Role
from tui.store import ConversationStore

Reply = tuple[int, str, str, int, int, int, float | None]
"""(days before `now`, provider, model, input, output, cached input tokens, cost)."""


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
