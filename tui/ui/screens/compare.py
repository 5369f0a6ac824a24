"""Compare mode on screen: choosing the pairs, then their replies side by side.

`CompareSetupDialog` picks 2 to 4 provider:model pairs. `CompareScreen` shows one reply
per pair in columns (stacked when the terminal is narrow), each driven by its own
`ReplyRun` in its own worker (started by `start`, which the main screen gives it), and
dismisses with the index of the reply the user keeps. The runs save themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message_pump import MessagePump
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, SelectionList
from textual.worker import Worker

from tui.compare import MAX_PAIRS, MIN_PAIRS, label
from tui.engine import ReplyRun
from tui.providers.events import ReasoningDelta
from tui.ui.finish_words import reply_cost_words
from tui.ui.keymap import bindings
from tui.ui.messages import ReplyDelta, ReplyRetrying
from tui.ui.progress_words import column_words
from tui.ui.screens.dialogs import DIALOG_CSS
from tui.ui.widgets.key_footer import KeyFooter
from tui.ui.widgets.message_pane import MessagePane

TICK_S = 0.25
StartRun = Callable[[ReplyRun, MessagePump], Worker[None]]
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
    CompareColumn > MessagePane { height: 1fr; }
    """

    def __init__(self, number: int, run: ReplyRun) -> None:
        super().__init__()
        self.number = number
        self.run = run
        self.border_title = f"{number} · {label(run.provider)}"
        # Text here starts at the top; the column follows it down as it streams.
        self.pane = MessagePane(at_bottom=False)
        self.pane.can_focus = False
        self.view = self.pane.add(run.message, live=True, title="")

    def compose(self) -> ComposeResult:
        yield self.pane

    def show_counters(self) -> None:
        """Tokens, speed, time to first token and how long it has taken."""
        cost = reply_cost_words(self.run.message) if self.run.closed else None
        self.border_subtitle = column_words(self.run.progress(), cost)


class CompareScreen(Screen[int]):
    """The replies of several pairs to one message, streaming side by side."""

    DEFAULT_CSS = """
    CompareScreen > #question { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    CompareScreen > #columns { height: 1fr; }
    CompareScreen > #columns.-stacked { layout: vertical; }
    """
    BINDINGS: ClassVar[list[BindingType]] = bindings("compare")

    def __init__(self, question: str, runs: list[ReplyRun], *, start: StartRun) -> None:
        """`start` drives a run in a worker whose messages come to this screen."""
        super().__init__()
        self.question = question
        self.runs = runs
        self.start = start
        self.columns = [CompareColumn(n + 1, run) for n, run in enumerate(runs)]

    def compose(self) -> ComposeResult:
        yield Label(f"Comparing {len(self.runs)} replies to: {self.question}", id="question")
        with Horizontal(id="columns"):
            yield from self.columns
        yield KeyFooter()

    def on_mount(self) -> None:
        for column in self.columns:
            column.run.on_close.append(self._on_close(column))
            self.start(column.run, self)
        self._ticker = self.set_interval(TICK_S, self._tick)
        self.columns[0].focus()
        self._tick()

    def on_resize(self, event: events.Resize) -> None:
        stacked = event.size.width < COLUMN_MIN_WIDTH * len(self.columns)
        self.query_one("#columns").set_class(stacked, "-stacked")

    @property
    def running(self) -> list[int]:
        """Indexes of the replies still streaming."""
        return [i for i, run in enumerate(self.runs) if not run.closed]

    def _tick(self) -> None:
        for column in self.columns:
            column.show_counters()
        if not self.running:
            self._ticker.pause()

    def _column(self, run: ReplyRun) -> CompareColumn | None:
        return next((c for c in self.columns if c.run is run), None)

    @on(ReplyDelta)
    def reply_delta(self, event: ReplyDelta) -> None:
        column = self._column(event.run)
        if column is None:
            return
        if isinstance(event.delta, ReasoningDelta):
            column.view.feed_reasoning(event.run.state.reasoning)
        else:
            column.view.feed_text(event.delta.text, event.end)

    @on(ReplyRetrying)
    def reply_retrying(self, event: ReplyRetrying) -> None:
        if (column := self._column(event.run)) is not None:
            retry = event.retry
            column.view.set_status(f"{retry.error.message} Retrying in {retry.delay:g} s.")

    def _on_close(self, column: CompareColumn) -> Callable[[ReplyRun], object]:
        return lambda _run: self.call_later(self._ended, column)

    async def _ended(self, column: CompareColumn) -> None:
        if not column.is_attached:  # kept (and closed) meanwhile
            return
        column.view.finish()
        column.show_counters()
        if not self.running:
            self.notify("All replies are in: press a number (or Enter) to keep one.")

    def stop(self, index: int) -> None:
        """Stop reply `index`, keeping what arrived (marked cancelled)."""
        self.runs[index].cancel()

    def stop_all(self) -> None:
        """Stop every reply still streaming (what arrived is saved)."""
        for index in self.running:
            self.stop(index)

    def action_keep(self, index: int) -> None:
        """Keep reply `index` as the conversation's answer (the others stay as versions)."""
        if index >= len(self.runs):
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

    def action_escape(self) -> None:
        """Stop all replies; once none is streaming, close keeping the first."""
        if self.running:
            self.stop_all()
            self.notify("Stopped. Press a reply's number to keep it; Esc again keeps the first.")
        else:
            self.action_keep(0)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "keep" and parameters and isinstance(parameters[0], int):
            return parameters[0] < len(self.runs)
        return True
