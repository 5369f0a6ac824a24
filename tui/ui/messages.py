"""Facts a reply worker reports to the screen. Each carries its conversation's id."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.providers.events import (
    FinishReason,
    ReasoningDelta,
    RefusalDelta,
    RetryScheduled,
    StreamError,
    TextDelta,
    ToolCallDelta,
    Usage,
)

Delta = TextDelta | ReasoningDelta | RefusalDelta | ToolCallDelta


@dataclass
class ReplyMessage(Message, bubble=False):
    """Base for worker messages: which conversation the reply belongs to.

    Only the screen cares, so none bubbles (each subclass must say so again: Textual
    resets `bubble` to True for every subclass that does not).
    """

    conversation_id: str


@dataclass
class ReplyDelta(ReplyMessage, bubble=False):
    """A piece of text, reasoning, refusal or tool call arrived (text that arrives
    faster than the screen is drawn comes merged: see `TextBatcher`)."""

    delta: Delta


@dataclass
class ReplyUsage(ReplyMessage, bubble=False):
    """New running token totals. A burst of them shrinks to the newest."""

    usage: Usage

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ReplyUsage) and message.conversation_id == self.conversation_id


@dataclass
class ReplyRetrying(ReplyMessage, bubble=False):
    """The provider refused for now; the reply will be asked for again after a wait."""

    retry: RetryScheduled


@dataclass
class ReplyFinished(ReplyMessage, bubble=False):
    """The reply is over, for whatever reason (always sent, also on cancel or crash)."""

    reason: FinishReason
    raw_reason: str | None
    error: StreamError | None
