"""The live line under a streaming reply: waiting, counting, stalled, retrying."""

from __future__ import annotations

from tui.domain import ChatMessage, Conversation, Role
from tui.providers.events import TextDelta
from tui.ui.live_reply import STALL_S, LiveReply


def live_reply() -> LiveReply:
    message = ChatMessage(Role.ASSISTANT, "", model="m1")
    return LiveReply(Conversation.start("p", "m1"), message)


def test_waiting_then_counting_then_stalled() -> None:
    live = live_reply()
    start = live.started
    assert live.counters(start + 1.5).startswith("waiting for m1… 1.5 s")
    live.apply(TextDelta("four words of text " * 10))
    assert live.first_token is not None
    assert live.last_chunk is not None
    counting = live.counters(live.last_chunk + 1.0)
    assert "tok/s" in counting
    assert "waiting" not in counting
    stalled = live.counters(live.last_chunk + STALL_S + 2)
    assert "waiting for more… 5 s since the last" in stalled


def test_a_scheduled_retry_counts_down_and_clears_with_the_next_text() -> None:
    live = live_reply()
    live.retrying(12, "rate limit")
    assert live.retry_at is not None
    assert live.counters(live.retry_at - 12).startswith("rate limit: retrying in 12 s")
    assert live.counters(live.retry_at - 4.2).startswith("rate limit: retrying in 4 s")
    live.apply(TextDelta("back"))
    assert live.retry_at is None
    assert "retrying" not in live.counters()
