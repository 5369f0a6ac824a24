"""`LiveReply`: the state of one reply while it streams, and its counters in words."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from textual.worker import Worker

from tui.context import estimate_tokens
from tui.domain import ChatMessage, Conversation
from tui.providers.events import ReplyEvent, Usage
from tui.providers.reply import ReplyState

STALL_S = 3.0
"""After this long without a chunk, the counters say the reply is waiting."""


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
    retry_at: float | None = None
    """When a scheduled retry goes out (`time.monotonic()`), while one is pending."""
    retry_reason: str = ""
    last_chunk: float | None = None

    def apply(self, event: ReplyEvent) -> None:
        """Fold an event in, noting when text starts and when usage becomes exact."""
        now = time.monotonic()
        if isinstance(event, Usage):
            # A usage sent before any text (Anthropic's message_start) is not the count
            # of the reply; one sent after text is.
            self.exact_output = self.first_token is not None and event.output_tokens is not None
        else:
            self.first_token = self.first_token or now
            self.last_chunk = now
            self.retry_at = None
        self.state.apply(event)

    def retrying(self, delay: float, reason: str) -> None:
        """A retry was scheduled `delay` seconds from now."""
        self.retry_at = time.monotonic() + delay
        self.retry_reason = reason

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
        if self.retry_at is not None:
            left = max(0.0, self.retry_at - now)
            return f"{self.retry_reason}: retrying in {left:.0f} s · {elapsed:.1f} s"
        if self.first_token is None:
            return f"waiting for {self.message.model or 'the model'}… {elapsed:.1f} s"
        count, exact = self.output_tokens()
        streaming = max(now - self.first_token, 1e-6)
        rate = count / streaming if streaming > 0.05 else 0.0
        label = f"{count} tokens" if exact else f"~{count} tokens (est.)"
        quiet = now - (self.last_chunk or now)
        if quiet >= STALL_S:
            return f"{label} · waiting for more… {quiet:.0f} s since the last · {elapsed:.1f} s"
        return f"{label} · {rate:.1f} tok/s · {elapsed:.1f} s"
