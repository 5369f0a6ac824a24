"""`ReplyState`: everything a stream has said so far, folded from its events."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.domain import ToolCallRecord, ToolResult
from tui.providers.events import (
    Finished,
    FinishReason,
    ReasoningDelta,
    RefusalDelta,
    ReplyEvent,
    StreamError,
    TextDelta,
    ToolCallDelta,
    Usage,
)


@dataclass(slots=True)
class ToolCall:
    """A tool call as streamed (`arguments` is the joined JSON text, not parsed), and,
    once the tool step has dealt with it, where it ran and what it gave back."""

    id: str | None = None
    name: str = ""
    arguments: str = ""
    server: str = ""
    tool: str = ""
    result: ToolResult | None = None
    phase: str = ""
    """Where the tool step has it: "asking", "running", "done" ("" before it starts)."""

    def record(self) -> ToolCallRecord:
        """The call as a message keeps it."""
        return ToolCallRecord(
            self.id or "",
            self.name,
            self.arguments,
            self.server,
            self.tool,
            self.result,
            self.phase,
        )


@dataclass(slots=True)
class ReplyState:
    """The reply so far. `apply` each event in order; nothing is ever dropped."""

    _text: list[str] = field(default_factory=list)
    _reasoning: list[str] = field(default_factory=list)
    refusal: str = ""
    tool_calls: dict[int, ToolCall] = field(default_factory=dict)
    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_input_tokens: int | None = None
    """The part of `input_tokens` read from the prompt cache (see `Usage`)."""
    cache_write_tokens: int | None = None
    """The part of `input_tokens` written to the prompt cache."""
    cost_usd: float | None = None
    """What the provider says this round cost (None: it did not say)."""
    finish_reason: FinishReason | None = None
    raw_finish_reason: str | None = None
    error: StreamError | None = None

    def apply(self, event: ReplyEvent) -> None:
        """Fold one event into the state."""
        match event:
            case TextDelta(text):
                self._text.append(text)
            case ReasoningDelta(text):
                self._reasoning.append(text)
            case RefusalDelta(text):
                self.refusal += text
            case ToolCallDelta(index, call_id, name, arguments):
                call = self.tool_calls.setdefault(index, ToolCall())
                if call_id and not call.id:
                    call.id = call_id
                if name and not call.name:
                    call.name = name
                call.arguments += arguments
            case Usage():
                self._usage(event)
            case StreamError():
                self.error = event
            case Finished(reason, raw_reason):
                self.finish_reason = reason
                self.raw_finish_reason = raw_reason

    def _usage(self, usage: Usage) -> None:
        """Each count is the latest the provider gave (a later None keeps the earlier)."""
        if usage.input_tokens is not None:
            self.input_tokens = usage.input_tokens
        if usage.output_tokens is not None:
            self.output_tokens = usage.output_tokens
        if usage.reasoning_tokens is not None:
            self.reasoning_tokens = usage.reasoning_tokens
        if usage.cached_input_tokens is not None:
            self.cached_input_tokens = usage.cached_input_tokens
        if usage.cache_write_tokens is not None:
            self.cache_write_tokens = usage.cache_write_tokens
        if usage.cost_usd is not None:
            self.cost_usd = usage.cost_usd

    # Text arrives in thousands of pieces: `+=` on each would copy the whole reply every
    # time (quadratic); the pieces are joined only when the text is read.
    @property
    def text(self) -> str:
        """The reply text so far."""
        return _joined(self._text)

    @property
    def reasoning(self) -> str:
        """The reasoning (thinking) text so far."""
        return _joined(self._reasoning)

    def calls(self) -> list[ToolCall]:
        """The tool calls of this round, in the order the model made them."""
        return [call for _, call in sorted(self.tool_calls.items())]

    @property
    def finished(self) -> bool:
        """Whether the closing `Finished` has arrived."""
        return self.finish_reason is not None


def _joined(parts: list[str]) -> str:
    if len(parts) > 1:
        parts[:] = ["".join(parts)]
    return parts[0] if parts else ""
