"""`StatusBar`: the active provider and model, hints, the live token counters, what the
conversation cost and, with a `[budget]`, what was spent against it."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label

from tui.context import Window, fill, meter
from tui.domain import Conversation
from tui.ui.finish_words import conversation_cost_words, conversation_tokens


class StatusBar(Horizontal):
    """One line: provider · model (and a hint) on the left, counters on the right."""

    DEFAULT_CSS = """
    StatusBar { height: 1; padding: 0 1; }
    StatusBar > #provider { width: auto; text-style: bold; }
    StatusBar > #hint {
        width: 1fr; padding: 0 2; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
    }
    StatusBar > #counters { width: auto; }
    StatusBar > #context { width: auto; padding-left: 2; color: $text-muted; }
    StatusBar > #budget { width: auto; padding-left: 2; color: $text-muted; }
    StatusBar > #budget.-warning { color: $warning; text-style: bold; }
    StatusBar > #budget.-over { color: $error; text-style: bold; }
    StatusBar > #context.-warning { color: $warning; text-style: bold; }
    StatusBar > #context.-over { color: $error; text-style: bold; }
    """

    provider_label: reactive[str] = reactive("")
    """`provider · model` of the open conversation."""
    hint: reactive[str] = reactive("")
    """Advice for the user, e.g. how to add a real provider."""
    counters: reactive[str] = reactive("")
    """Live counters while streaming; totals otherwise."""
    context: reactive[tuple[str, str]] = reactive(("", ""))
    """The context meter's text and its css class (`-warning`, `-over` or none)."""
    budget: reactive[tuple[str, str]] = reactive(("", ""))
    """Today's (or this month's) spend against the budget, and its css class."""
    streaming: reactive[bool] = reactive(False)
    """Whether a reply is streaming in the open conversation."""

    def compose(self) -> ComposeResult:
        yield Label(self.provider_label, id="provider", markup=False)
        yield Label(self.hint, id="hint", markup=False)
        yield Label(self.counters, id="counters", markup=False)
        text, css = self.context
        yield Label(text, id="context", markup=False, classes=css)
        text, css = self.budget
        budget = Label(text, id="budget", markup=False, classes=css)
        budget.display = bool(text)  # no budget: no room taken
        yield budget

    def watch_provider_label(self, value: str) -> None:
        self._show("#provider", value)

    def watch_hint(self, value: str) -> None:
        if self.is_mounted:  # it takes the room left (1fr): its text never needs a layout
            self.query_one("#hint", Label).update(value, layout=False)

    def watch_counters(self, value: str) -> None:
        self._show("#counters", value)

    def watch_context(self, value: tuple[str, str]) -> None:
        self._show_styled("#context", value)

    def watch_budget(self, value: tuple[str, str]) -> None:
        self._show_styled("#budget", value)
        if self.is_mounted:
            self.query_one("#budget").display = bool(value[0])

    def _show_styled(self, selector: str, value: tuple[str, str]) -> None:
        if self.is_mounted:
            label = self.query_one(selector, Label)
            text, css = value
            _set_text(label, text, keep_width=self.streaming)
            label.set_class(css == "-warning", "-warning")
            label.set_class(css == "-over", "-over")

    def _show(self, selector: str, value: str) -> None:
        # Values set before the labels exist are picked up by `compose`.
        if self.is_mounted:
            _set_text(self.query_one(selector, Label), value, keep_width=self.streaming)

    def watch_streaming(self, value: bool) -> None:
        self.set_class(value, "-streaming")
        if not value and self.is_mounted:
            for label in self.query(Label):
                label.styles.min_width = None  # the room kept while it streamed goes
            self.refresh(layout=True)

    def show_conversation(
        self, conv: Conversation, window: Window | None, live_counters: str | None
    ) -> None:
        """The context meter of `conv`, and the live counters of its streaming reply
        (`live_counters`) or else its total tokens."""
        if conv.messages:
            self.context = meter(fill(conv), window.tokens if window else None)
        else:
            self.context = ("", "")
        self.streaming = live_counters is not None
        if live_counters is not None:
            self.counters = live_counters
        else:
            total = conversation_tokens(conv.messages)
            parts = [f"conversation: {total:,} tokens" if total else ""]
            parts.append(conversation_cost_words(conv.messages))
            self.counters = " · ".join(part for part in parts if part)


STREAM_ROOM = 4
"""Cells kept free beside a label that grew while a reply streams, for the next digits."""


def _set_text(label: Label, text: str, *, keep_width: bool) -> None:
    """Show `text` in `label`, laying the screen out again (two whole frames: Textual's
    layout resizes the labels, which asks for another) only when its width changes.
    The counters and the context meter change 4 times a second while a reply streams
    (`keep_width`): then only a text that no longer fits lays out, and the label keeps
    `STREAM_ROOM` more cells, so a count gaining a digit does not lay out again."""
    width = cell_len(text)
    if keep_width:
        relayout = width > label.content_region.width
        if relayout:
            label.styles.min_width = width + label.styles.gutter.width + STREAM_ROOM
    else:
        relayout = width != cell_len(str(label.content))
    label.update(text, layout=relayout)
