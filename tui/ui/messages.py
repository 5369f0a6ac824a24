"""Facts a reply worker reports to the screen. Each carries its run."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.engine import ReplyRun
from tui.providers.events import ReasoningDelta, RefusalDelta, RetryScheduled, TextDelta

Delta = TextDelta | ReasoningDelta | RefusalDelta


@dataclass
class ReplyMessage(Message, bubble=False):
    """Base for worker messages: the reply they are about (it has folded them in).

    Only their target cares, so none bubbles (each subclass must say so again: Textual
    resets `bubble` to True for every subclass that does not).
    """

    run: ReplyRun

    @property
    def key(self) -> str:
        """The run's key (a chat reply's is its conversation id)."""
        return self.run.key


@dataclass
class ReplyDelta(ReplyMessage, bubble=False):
    """A piece of text, reasoning or refusal arrived (text that arrives faster than the
    screen is drawn comes merged: see `TextBatcher`). The run has folded it in already."""

    delta: Delta
    end: int = 0
    """For text: how many characters of the reply there are up to the end of this piece,
    so a view built from the message meanwhile skips what it already shows."""


@dataclass
class ReplyRetrying(ReplyMessage, bubble=False):
    """The provider refused for now; the reply will be asked for again after a wait."""

    retry: RetryScheduled
