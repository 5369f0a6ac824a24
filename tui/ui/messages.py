"""Facts a reply worker reports to the screen. Each carries its run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from tui.ui.widgets.tool_blocks import CallView

if TYPE_CHECKING:
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
    """For text: how many characters of the round's text there are up to the end of this
    piece, so a view built from the message meanwhile skips what it already shows."""
    round: int = 0
    """Which round of the reply the text belongs to (0 unless it called tools)."""


@dataclass
class ReplyRetrying(ReplyMessage, bubble=False):
    """The provider refused for now; the reply will be asked for again after a wait."""

    retry: RetryScheduled


@dataclass
class ReplyTools(ReplyMessage, bubble=False):
    """The tool calls of one round changed (arguments streamed, asked about, running,
    answered). Carries a snapshot: the run moves on while the message waits."""

    round: int
    calls: tuple[CallView, ...]

    def can_replace(self, message: Message) -> bool:
        # A newer snapshot of the same round makes an older one useless.
        return (
            isinstance(message, ReplyTools)
            and message.run is self.run
            and message.round == self.round
        )
