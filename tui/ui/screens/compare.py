"""Compare mode on screen: choosing the pairs, then their replies side by side.

`CompareSetupDialog` picks 2 to 4 provider:model pairs. `CompareScreen` streams one reply
per pair, each in its own worker, in columns (stacked when the terminal is narrow), and
dismisses with the index of the reply the user keeps. It never saves: it calls `save`,
which the main screen gives it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Label, SelectionList
from textual.worker import Worker, WorkerState

from tui.compare import MAX_PAIRS, MIN_PAIRS, Contender, label
from tui.config import Config
from tui.context import estimate_tokens
from tui.engine import record_reply
from tui.providers.events import Finished, FinishReason, ReasoningDelta, RefusalDelta, TextDelta
from tui.providers.pool import AdapterPool
from tui.ui.keymap import bindings
from tui.ui.messages import ReplyDelta, ReplyFinished, ReplyRetrying, ReplyUsage
from tui.ui.screens.dialogs import DIALOG_CSS
from tui.ui.streaming import stream_reply
from tui.ui.widgets.message_view import MessageView

TICK_S = 0.25
SAVE_EVERY_S = 1.0
COLUMN_MIN_WIDTH = 40
"""Narrower than this per reply, the replies are stacked instead of side by side."""


class CompareSetupDialog(ModalScreen[list[str] | None]):
    """Pick 2 to 4 `provider:model` pairs (Space ticks, Enter compares)."""

    DEFAULT_CSS = (
        "CompareSetupDialog {"
        + DIALOG_CSS
        + "} CompareSetupDialog SelectionList { height: auto; max-height: 14; }"
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("enter", "accept", "Compare", priority=True),
    ]

    def __init__(self, pairs: list[str], chosen: list[str]) -> None:
        super().__init__()
        self.pairs = pairs
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Compare replies"
            yield Label(
                f"Send this message to {MIN_PAIRS} to {MAX_PAIRS} models at once. "
                "Space ticks a pair; Enter compares.",
                classes="help",
            )
            yield SelectionList[str](
                *((pair, pair, pair in self.chosen) for pair in self.pairs), id="pairs"
            )
            yield Input(placeholder="more pairs: provider:model, provider:model", id="more")
            yield Label("", id="problem")
            with Horizontal():
                yield Button("Compare", id="compare", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    @on(Button.Pressed, "#compare")
    def action_accept(self) -> None:
        """Dismiss with the ticked pairs and the typed ones, if there are 2 to 4."""
        if self.focused is not None and self.focused.id == "cancel":
            self.dismiss(None)
            return
        pairs = list(self.query_one(SelectionList).selected)
        typed = self.query_one("#more", Input).value.replace(",", " ").split()
        pairs += [pair for pair in typed if pair not in pairs]
        if not MIN_PAIRS <= len(pairs) <= MAX_PAIRS:
            problem = f"Pick {MIN_PAIRS} to {MAX_PAIRS} pairs ({len(pairs)} chosen)."
            self.query_one("#problem", Label).update(problem)
            return
        self.dismiss(pairs)

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)


class CompareColumn(Vertical, can_focus=True):
    """One pair's reply, with its counters in the bottom border."""

    DEFAULT_CSS = """
    CompareColumn {
        width: 1fr; height: 1fr; border: round $panel-lighten-2;
        border-subtitle-color: $text-muted;
    }
    CompareColumn:focus { border: round $accent; }
    CompareColumn > VerticalScroll { height: 1fr; }
    CompareColumn MessageView > .role { display: none; }
    """

    def __init__(self, number: int, contender: Contender) -> None:
        super().__init__()
        self.number = number
        self.contender = contender
        self.border_title = f"{number} · {label(contender.provider)}"
        self.view = MessageView(contender.message, live=True, title="")
        self.view.can_focus = False

    def compose(self) -> ComposeResult:
        # Not Textual's anchor: it keeps a short reply at the bottom of the column
        # (with a negative scroll offset); text here starts at the top.
        with VerticalScroll():
            yield self.view

    def follow(self) -> None:
        """Keep the newest text in sight, unless the user scrolled up to read."""
        scroll = self.query_one(VerticalScroll)
        if scroll.scroll_y >= scroll.max_scroll_y - 1:
            scroll.call_after_refresh(scroll.scroll_end, animate=False, immediate=True)

    def show_counters(self) -> None:
        """Tokens, speed, time to first token and how long it has taken."""
        c = self.contender
        state = c.state
        exact = state.output_tokens is not None
        tokens = state.output_tokens if exact else estimate_tokens(state.text + state.reasoning)
        parts = [f"{tokens} tokens" if exact else f"~{tokens} tokens"]
        if (rate := c.rate()) is not None:
            parts.append(f"{rate:.0f} tok/s")
        if c.ttft is not None:
            parts.append(f"first {c.ttft:.2f} s")
        parts.append(f"{c.elapsed:.1f} s")
        if not state.finished:
            parts.append("s stops")
        self.border_subtitle = " · ".join(parts)


class CompareScreen(Screen[int]):
    """The replies of several pairs to one message, streaming side by side."""

    DEFAULT_CSS = """
    CompareScreen > #question { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    CompareScreen > #columns { height: 1fr; }
    CompareScreen > #columns.-stacked { layout: vertical; }
    """
    BINDINGS: ClassVar[list[BindingType]] = bindings("compare")

    def __init__(
        self,
        question: str,
        contenders: list[Contender],
        config: Config,
        pool: AdapterPool,
        *,
        save: Callable[[], None],
        saved: Callable[[], object] | None = None,
    ) -> None:
        """`save` queues the conversation for writing; `saved` blocks until the
        user's message is on disk (run in each worker before its request)."""
        super().__init__()
        self.question = question
        self.contenders = contenders
        self.config = config
        self.pool = pool
        self.save = save
        self.saved = saved
        self.columns = [CompareColumn(n + 1, c) for n, c in enumerate(contenders)]
        self.workers_by_key: dict[str, Worker[None]] = {}
        self._last_save = time.monotonic()

    def compose(self) -> ComposeResult:
        yield Label(f"Comparing {len(self.contenders)} replies to: {self.question}", id="question")
        with Horizontal(id="columns"):
            yield from self.columns
        yield Footer()

    def on_mount(self) -> None:
        for index, contender in enumerate(self.contenders):
            key = _key(index)
            contender.started = time.monotonic()
            self.workers_by_key[key] = self.run_worker(
                stream_reply(
                    self,
                    key,
                    self.config,
                    contender.provider,
                    contender.request,
                    self.pool,
                    saved=self.saved,
                ),
                name=f"compare:{key}",
                group=f"compare:{key}",
                description=f"compare {label(contender.provider)}",
                exit_on_error=False,
            )
        self._ticker = self.set_interval(TICK_S, self._tick)
        self.columns[0].focus()
        self._tick()

    def on_resize(self, event: events.Resize) -> None:
        stacked = event.size.width < COLUMN_MIN_WIDTH * len(self.columns)
        self.query_one("#columns").set_class(stacked, "-stacked")

    @property
    def running(self) -> list[int]:
        """Indexes of the replies still streaming."""
        return [i for i, c in enumerate(self.contenders) if not c.state.finished]

    def _tick(self) -> None:
        for column in self.columns:
            column.show_counters()
        if not self.running:
            self._ticker.pause()

    def _contender(self, key: str) -> tuple[Contender, CompareColumn] | None:
        index = int(key[1:]) if key[1:].isdigit() else -1
        if 0 <= index < len(self.contenders):
            return self.contenders[index], self.columns[index]
        return None

    @on(ReplyDelta)
    def reply_delta(self, event: ReplyDelta) -> None:
        found = self._contender(event.conversation_id)
        if found is None:
            return
        contender, column = found
        contender.apply(event.delta)
        match event.delta:
            case TextDelta(text) | RefusalDelta(text):
                column.view.feed_text(text)
            case ReasoningDelta():
                column.view.feed_reasoning(contender.state.reasoning)
        column.follow()
        if time.monotonic() - self._last_save >= SAVE_EVERY_S:
            self._save()

    @on(ReplyUsage)
    def reply_usage(self, event: ReplyUsage) -> None:
        if (found := self._contender(event.conversation_id)) is not None:
            found[0].apply(event.usage)

    @on(ReplyRetrying)
    def reply_retrying(self, event: ReplyRetrying) -> None:
        if (found := self._contender(event.conversation_id)) is not None:
            retry = event.retry
            found[1].view.set_status(f"{retry.error.message} Retrying in {retry.delay:g} s.")

    @on(ReplyFinished)
    async def reply_finished(self, event: ReplyFinished) -> None:
        found = self._contender(event.conversation_id)
        if found is None or found[0].state.finished:
            return
        contender, column = found
        if event.error is not None:
            contender.state.apply(event.error)
        contender.state.apply(Finished(event.reason, event.raw_reason))
        contender.end()
        record_reply(contender.message, contender.state)
        await column.view.finish()
        column.show_counters()
        self._save()
        if not self.running:
            self.notify("All replies are in: press a number (or Enter) to keep one.")

    @on(Worker.StateChanged)
    def worker_ended(self, event: Worker.StateChanged) -> None:
        """Finish a reply whose worker was cancelled before it could say so."""
        if event.state not in (WorkerState.CANCELLED, WorkerState.ERROR):
            return
        for key, worker in self.workers_by_key.items():
            if worker is event.worker:
                self.post_message(ReplyFinished(key, FinishReason.CANCELLED, None, None))

    def _save(self) -> None:
        for contender in self.contenders:
            record_reply(contender.message, contender.state)
        self.save()
        self._last_save = time.monotonic()

    def stop(self, index: int) -> None:
        """Stop reply `index`, keeping what arrived (marked cancelled)."""
        contender = self.contenders[index]
        if contender.state.finished:
            return
        self.workers_by_key[_key(index)].cancel()
        contender.state.apply(Finished(FinishReason.CANCELLED))
        contender.end()
        record_reply(contender.message, contender.state)
        self.columns[index].view.live = False
        self.columns[index].view.show_finish()
        self.columns[index].show_counters()

    def stop_all(self) -> None:
        """Stop every reply still streaming, and save what arrived."""
        for index in self.running:
            self.stop(index)
        self._save()

    def action_keep(self, index: int) -> None:
        """Keep reply `index` as the conversation's answer (the others stay as versions)."""
        if index >= len(self.contenders):
            return
        self.stop_all()
        self.dismiss(index)

    def action_keep_focused(self) -> None:
        focused = self.focused
        if isinstance(focused, CompareColumn):
            self.action_keep(focused.number - 1)

    def action_stop_focused(self) -> None:
        focused = self.focused
        if isinstance(focused, CompareColumn):
            self.stop(focused.number - 1)
            self._save()

    def action_escape(self) -> None:
        """Stop all replies; once none is streaming, close keeping the first."""
        if self.running:
            self.stop_all()
            self.notify("Stopped. Press a reply's number to keep it; Esc again keeps the first.")
        else:
            self.action_keep(0)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "keep" and parameters and isinstance(parameters[0], int):
            return parameters[0] < len(self.contenders)
        return True


def _key(index: int) -> str:
    return f"c{index}"
