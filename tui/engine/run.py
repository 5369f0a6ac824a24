"""`ReplyRun`: one reply, from its request to the saved message.

Every front end (`tui-chat ask`, `ask --compare`, the chat screen, the compare screen)
drives a run the same way: `async for event in run.events(adapter)`, drawing or printing
each event it is handed. The run has already folded the event in by then; it keeps the
counters, saves the partial reply about once a second, and finishes exactly once, with
what arrived kept, however the reply ends (done, failed, cancelled, or the program
quitting). A reply may take several model requests ("rounds"): when one ends asking
for tools, the run's `ToolStep` runs them and the next request carries their results.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field

from tui.config import ProviderConfig
from tui.context import estimate_tokens
from tui.domain import ChatMessage, Conversation, MessageStatus, Role, utc_now
from tui.domain import ToolStep as SavedStep
from tui.engine.state import ReplyState
from tui.engine.stream import Sleep, reply_events
from tui.engine.tool_step import ToolActivity, ToolStep
from tui.providers.base import ChatRequest, Provider
from tui.providers.events import (
    ErrorKind,
    Finished,
    FinishReason,
    ReplyEvent,
    RetryScheduled,
    StreamError,
    Usage,
)
from tui.providers.retry import RetryPolicy

log = logging.getLogger(__name__)

SAVE_EVERY_S = 1.0
"""How often a streaming reply is written to disk (at most: the newest snapshot wins)."""
STALL_S = 3.0
"""After this long without a chunk, a reply counts as waiting for more."""

Clock = Callable[[], float]
Pricer = Callable[[ProviderConfig, ChatMessage], float | None]
"""A finished reply's cost in dollars from its tokens, or None when its price is unknown."""
RunEvent = ReplyEvent | ToolActivity
"""What `ReplyRun.events` yields: the provider's events, and the tool step's."""


@dataclass(frozen=True, slots=True)
class Progress:
    """A reply's counters at one moment, for a front end to put in words."""

    elapsed: float
    """Seconds since the request (to the end, once it has ended)."""
    first_token: float | None
    """Seconds from the request to the first piece of the reply, once it came."""
    tokens: int
    """Output tokens: the provider's count once it gives one for this text, else an estimate."""
    exact: bool
    """Whether `tokens` is the provider's count."""
    rate: float | None
    """Output tokens per second since the first token (None until it means something)."""
    quiet: float
    """Seconds since the last chunk (0 once finished)."""
    retry_in: float | None
    """Seconds until a scheduled retry goes out, while one is pending."""
    retry_reason: str
    finished: bool
    tools: tuple[tuple[str, str], ...] = ()
    """Between rounds: the calls not answered yet, as (name, phase)."""

    @property
    def stalled(self) -> bool:
        """Streaming, but silent for `STALL_S` or longer."""
        return not self.finished and self.first_token is not None and self.quiet >= STALL_S


@dataclass(eq=False)
class ReplyRun:
    """One reply streaming into `message`, the last message of `conversation`."""

    conversation: Conversation
    message: ChatMessage
    provider: ProviderConfig
    request: ChatRequest
    save: Callable[[], None] = lambda: None
    """Writes the conversation (called about once a second while streaming, and at the end)."""
    clock: Clock = time.monotonic
    save_every: float = SAVE_EVERY_S
    tools: ToolStep | None = None
    """The tools offered, and how calls of them are approved and run (None: no tools)."""
    price: Pricer | None = None
    """Prices the finished reply from its tokens when the provider reported no cost
    (`tui.prices`); None leaves such a reply's cost unknown."""
    key: str = ""
    """Names this run among those of a session (the conversation id, for a chat reply)."""
    state: ReplyState = field(default_factory=ReplyState)
    """What the current round has said so far."""
    rounds: list[ReplyState] = field(default_factory=list)
    """The rounds before the current one."""
    canceller: Callable[[], object] | None = None
    """Stops whatever is reading the stream (a worker's `cancel`), set by the front end."""
    on_close: list[Callable[[ReplyRun], object]] = field(default_factory=list)
    """Called once the run has ended (its message final and queued for saving)."""
    started: float = 0.0
    first_token: float | None = None
    last_chunk: float | None = None
    ended: float | None = None
    retry_at: float | None = None
    retry_reason: str = ""
    exact_output: bool = False
    """Whether `state.output_tokens` is the provider's count of the text so far."""
    _last_save: float = 0.0
    _closed: bool = False

    def __post_init__(self) -> None:
        self.key = self.key or self.conversation.id
        self.started = self._last_save = self.clock()

    def restart_clock(self) -> None:
        """Count from now (once the adapter is ready: an SDK import is not the reply's time)."""
        self.started = self._last_save = self.clock()

    # ----------------------------------------------------------------- driving

    async def events(
        self,
        adapter: Provider,
        *,
        policy: RetryPolicy | None = None,
        environ: Mapping[str, str] | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> AsyncGenerator[RunEvent, None]:
        """Stream the reply through `adapter`, round after round, folding each event in
        before handing it on. Ends the run whatever happens (cancelled included)."""
        request: ChatRequest | None = self.request
        try:
            while request is not None:
                stream = reply_events(
                    self.provider, request, adapter, policy=policy, environ=environ, sleep=sleep
                )
                async with aclosing(stream):  # stopped early: closed now, not at exit
                    async for event in stream:
                        self.apply(event)
                        yield event
                request = None
                if self.tools is not None and self._wants_tools(self.tools):
                    async for activity in self.tools.run(self):
                        self._last_save = self.clock()
                        self.record()
                        self.save()
                        yield activity
                    request = self.tools.next_request(self)
                    self.rounds.append(self.state)
                    self.state = ReplyState()
        except Exception as exc:  # a bug of ours: keep the partial reply, say what happened
            for event in self.fail(exc):
                yield event
        finally:
            if not self.close():
                # Stopped from outside (`cancel`) while tools ran: the calls were given
                # their results on the way out, after the message was recorded.
                self.record()
                self.save()

    def _wants_tools(self, tools: ToolStep) -> bool:
        """Whether the round that just ended asks for tools that may still run; past
        the round limit, the reply ends as `tool_limit` instead."""
        # Some compatible servers (older Ollama, llama.cpp) end a round of calls `stop`.
        asked = self.state.finish_reason in (FinishReason.TOOL_CALLS, FinishReason.STOP)
        if not asked or not self.state.tool_calls:
            return False
        self.state.finish_reason = FinishReason.TOOL_CALLS
        if len(self.rounds) < tools.max_rounds:
            return True
        self.state.finish_reason = FinishReason.TOOL_LIMIT
        return False

    def apply(self, event: ReplyEvent) -> None:
        """Fold one event in, note the timings, and save when a save is due."""
        now = self.clock()
        match event:
            case Usage(output_tokens=output):
                # A usage sent before any text (Anthropic's message_start) is not the count
                # of the reply; one sent after text is.
                self.exact_output = self.first_token is not None and output is not None
            case RetryScheduled(delay=delay, error=error):
                self.retry_at = now + delay
                self.retry_reason = error.kind.replace("_", " ")
                return
            case Finished():
                pass
            case _:
                self.first_token = self.first_token or now
                self.last_chunk = now
                self.retry_at = None
        self.state.apply(event)
        if now - self._last_save >= self.save_every and not self._closed:
            self._last_save = now
            self.record()
            self.save()

    def fail(self, exc: Exception) -> tuple[StreamError, Finished]:
        """End the current round with an error for a bug of ours (logged); returns the
        events folded in, for a front end to show."""
        log.error("reply failed inside tui-chat", exc_info=exc)
        error = StreamError(ErrorKind.STREAM, f"tui-chat: {type(exc).__name__}: {exc}")
        events = (error, Finished(FinishReason.ERROR))
        for event in events:
            self.apply(event)
        return events

    def cancel(self) -> None:
        """Stop the reply: what arrived is kept, marked cancelled."""
        if self.canceller is not None:
            self.canceller()
        if not self._closed and self.state.finish_reason is FinishReason.TOOL_CALLS:
            self.state.finish_reason = FinishReason.CANCELLED  # stopped while tools ran
        self.close(FinishReason.CANCELLED)

    def close(self, reason: FinishReason = FinishReason.CANCELLED) -> bool:
        """End the run (with `reason` unless the stream already said why), record the
        message and save it. Only the first call does anything; True for that one."""
        if self._closed:
            return False
        self._closed = True
        if not self.state.finished:
            self.state.apply(Finished(reason))
        self.ended = self.clock()
        self.retry_at = None
        self.record()
        self.conversation.updated_at = utc_now()  # its last change: the reply's end
        self.save()
        for callback in self.on_close:
            callback(self)
        return True

    # ----------------------------------------------------------------- reading

    @property
    def closed(self) -> bool:
        """Whether the run has ended (its message is final)."""
        return self._closed

    @property
    def failed(self) -> bool:
        """Whether the reply ended in an error."""
        return self.state.finish_reason is FinishReason.ERROR

    def record(self) -> None:
        """Copy the reply so far into `message` (finished or not: nothing is dropped);
        once the run has ended, a reply the provider did not price is priced by `price`."""
        record_reply(self.message, self.state, self.rounds)
        if self._closed and self.message.cost_usd is None and self.price is not None:
            self.message.cost_usd = self.price(self.provider, self.message)

    def output_tokens(self) -> tuple[int, bool]:
        """(count, exact): the provider's count once known, else an estimate."""
        if self.exact_output and self.state.output_tokens is not None:
            return self.state.output_tokens, True
        state = self.state
        return estimate_tokens(state.text + state.reasoning + state.refusal), False

    def progress(self, now: float | None = None) -> Progress:
        """The counters as of `now` (the run's clock by default)."""
        now = self.clock() if now is None else now
        end = self.ended if self.ended is not None else now
        tokens, exact = self.output_tokens()
        rate = None
        if self.first_token is not None and end - self.first_token > 0.05:
            rate = tokens / (end - self.first_token)
        retry_in = None if self.retry_at is None else max(0.0, self.retry_at - now)
        quiet = 0.0 if self.ended is not None else now - (self.last_chunk or now)
        return Progress(
            elapsed=end - self.started,
            first_token=None if self.first_token is None else self.first_token - self.started,
            tokens=tokens,
            exact=exact,
            rate=rate,
            quiet=quiet,
            retry_in=retry_in,
            retry_reason=self.retry_reason,
            finished=self._closed,
            tools=self._pending_tools(),
        )

    def _pending_tools(self) -> tuple[tuple[str, str], ...]:
        if self._closed or self.state.finish_reason is not FinishReason.TOOL_CALLS:
            return ()
        return tuple((c.name, c.phase) for c in self.state.calls() if c.result is None)


def record_reply(
    message: ChatMessage, state: ReplyState, earlier: list[ReplyState] | None = None
) -> None:
    """Copy a reply's state into `message`: the text of its last round, the tokens of
    all its rounds, and the cost the provider reported (see `reported_cost`)."""
    message.content = state.text
    message.reasoning = state.reasoning
    message.refusal = state.refusal
    rounds = [*(earlier or ()), state]
    message.input_tokens = _total(r.input_tokens for r in rounds)
    message.output_tokens = _total(r.output_tokens for r in rounds)
    message.reasoning_tokens = _total(r.reasoning_tokens for r in rounds)
    message.cached_input_tokens = _total(r.cached_input_tokens for r in rounds)
    message.cache_write_tokens = _total(r.cache_write_tokens for r in rounds)
    message.cost_usd = reported_cost(rounds)
    message.tool_calls = [call.record() for call in state.calls()]
    message.steps = [
        SavedStep(r.text, [call.record() for call in r.calls()], r.reasoning) for r in earlier or ()
    ]
    if state.finish_reason is None:
        message.status = MessageStatus.STREAMING
        return
    message.status = MessageStatus.DONE
    message.finish_reason = str(state.finish_reason)
    message.raw_finish_reason = state.raw_finish_reason
    message.error = state.error.message if state.error else None


def reported_cost(rounds: Iterable[ReplyState]) -> float | None:
    """The reply's cost as the provider reported it: the sum over its rounds when every
    round reported one, else None (a part of the price is never passed off as all of it).

    A reply without one is priced afterwards from its tokens, by whoever finishes it
    (`tui.prices`), and stays None if its price is unknown.
    """
    costs = [r.cost_usd for r in rounds]
    if not costs or any(cost is None for cost in costs):
        return None
    return sum(cost for cost in costs if cost is not None)


def _total(counts: Iterable[int | None]) -> int | None:
    known = [n for n in counts if n is not None]
    return sum(known) if known else None


def new_reply(provider: ProviderConfig) -> ChatMessage:
    """The empty assistant message a reply streams into."""
    return ChatMessage(
        role=Role.ASSISTANT,
        content="",
        provider=provider.name,
        model=provider.model,
        status=MessageStatus.STREAMING,
    )
