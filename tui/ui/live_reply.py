"""`LiveReply`: the state of one reply while it streams, and its counters in words."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from textual.worker import Worker

from tui.domain import ChatMessage, Conversation
from tui.providers.events import ReplyEvent, TextDelta, Usage
from tui.providers.reply import ReplyState

CHARS_PER_TOKEN = 4  # the usual rough average for English text with BPE tokenizers


def estimate_tokens(text: str) -> int:
    """A rough token count for text whose real count is not known yet."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


@dataclass
class LiveReply:
    """One streaming reply: its conversation, its message, and what has arrived."""

    conversation: Conversation
    message: ChatMessage
    worker: Worker[None] | None = None
    state: ReplyState = field(default_factory=ReplyState)
    started: float = field(default_factory=time.monotonic)
    first_token: float | None = None
    last_save: float = field(default_factory=time.monotonic)
    exact_output: bool = False
    """Whether `state.output_tokens` is the provider's count for the text so far."""
    retry_note: str | None = None

    def apply(self, event: ReplyEvent) -> None:
        """Fold an event in, noting when text starts and when usage becomes exact."""
        if self.first_token is None and not isinstance(event, Usage):
            self.first_token = time.monotonic()
        if isinstance(event, Usage):
            # A usage sent before any text (Anthropic's message_start) is not the count
            # of the reply; one sent after text is.
            self.exact_output = self.first_token is not None and event.output_tokens is not None
        elif isinstance(event, TextDelta):
            self.retry_note = None
        self.state.apply(event)

    def output_tokens(self) -> tuple[int, bool]:
        """(count, exact): the provider's count once known, else an estimate."""
        if self.exact_output and self.state.output_tokens is not None:
            return self.state.output_tokens, True
        text = self.state.text + self.state.reasoning + self.state.refusal
        return estimate_tokens(text), False

    def counters(self, now: float | None = None) -> str:
        """`~123 tokens (est.) · 45.6 tok/s · 2.7 s` or the waiting line."""
        now = time.monotonic() if now is None else now
        elapsed = now - self.started
        if self.retry_note:
            return f"{self.retry_note} · {elapsed:.1f} s"
        if self.first_token is None:
            return f"waiting for {self.message.model or 'the model'}… {elapsed:.1f} s"
        count, exact = self.output_tokens()
        streaming = max(now - self.first_token, 1e-6)
        rate = count / streaming if streaming > 0.05 else 0.0
        label = f"{count} tokens" if exact else f"~{count} tokens (est.)"
        return f"{label} · {rate:.1f} tok/s · {elapsed:.1f} s"
