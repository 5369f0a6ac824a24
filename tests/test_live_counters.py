"""The live line under a streaming reply: waiting, counting, stalled, retrying."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.config import PRESETS
from tui.domain import Conversation
from tui.engine import ReplyRun, build_request, new_reply
from tui.engine.run import STALL_S
from tui.providers.events import (
    ErrorKind,
    FinishReason,
    RetryScheduled,
    StreamError,
    TextDelta,
    Usage,
)
from tui.ui.finish_words import finish_label
from tui.ui.progress_words import column_words, status_words


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def live_reply(clock: Clock) -> ReplyRun:
    provider = PRESETS["offline"]
    conv = Conversation.start(provider.name, "m1")
    message = new_reply(provider)
    message.model = "m1"
    return ReplyRun(conv, message, provider, build_request(conv, provider), clock=clock)


def test_waiting_then_counting_then_stalled() -> None:
    clock = Clock()
    run = live_reply(clock)
    clock.now += 1.5
    assert status_words(run.progress(), "m1").startswith("waiting for m1… 1.5 s")
    run.apply(TextDelta("four words of text " * 10))
    clock.now += 1.0
    counting = status_words(run.progress(), "m1")
    assert "tokens (est.)" in counting
    assert "tok/s" in counting
    assert "waiting" not in counting
    clock.now += STALL_S + 1
    stalled = status_words(run.progress(), "m1")
    assert "waiting for more… 5 s since the last" in stalled


def test_a_scheduled_retry_counts_down_and_clears_with_the_next_text() -> None:
    clock = Clock()
    run = live_reply(clock)
    error = StreamError(ErrorKind.RATE_LIMIT, "slow down")
    run.apply(RetryScheduled(12, 1, error))
    assert status_words(run.progress(), "m1").startswith("rate limit: retrying in 12 s")
    clock.now += 7.8
    assert status_words(run.progress(), "m1").startswith("rate limit: retrying in 4 s")
    run.apply(TextDelta("back"))
    assert "retrying" not in status_words(run.progress(), "m1")


def test_usage_before_any_text_is_not_the_reply_count() -> None:
    clock = Clock()
    run = live_reply(clock)
    run.apply(Usage(10, 1))  # Anthropic's message_start: the prompt, not the reply
    run.apply(TextDelta("one two three four five six seven eight"))
    clock.now += 1
    assert not run.progress().exact
    assert "~" in column_words(run.progress())  # the compare column agrees
    run.apply(Usage(10, 9))
    assert run.progress().exact
    assert column_words(run.progress()).startswith("9 tokens")
    assert status_words(run.progress(), "m1").startswith("9 tokens ·")


def test_the_conversation_was_last_updated_when_its_reply_ended() -> None:
    run = live_reply(Clock())
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    run.conversation.updated_at = long_ago  # as if the reply had started then
    run.apply(TextDelta("a long reply"))
    assert run.conversation.updated_at == long_ago
    run.close(FinishReason.STOP)
    assert run.conversation.updated_at >= run.message.created_at > long_ago


def test_a_long_reply_counts_its_tokens_with_thousands_separators() -> None:
    clock = Clock()
    run = live_reply(clock)
    run.apply(TextDelta("one two three four five six seven eight"))
    run.apply(Usage(10, 12345))
    clock.now += 1
    assert status_words(run.progress(), "m1").startswith("12,345 tokens ·")
    assert column_words(run.progress()).startswith("12,345 tokens ·")
    run.apply(Usage(1500, 12345, reasoning_tokens=2000))
    run.close(FinishReason.STOP)
    words, _css = finish_label(run.message)
    assert "1,500 in / 12,345 out tokens (2,000 reasoning)" in words
