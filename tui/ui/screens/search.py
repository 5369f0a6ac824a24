"""`SearchScreen`: find text in every conversation and open one at the match."""

from __future__ import annotations

import subprocess
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.inert import make_inert
from tui.search import Hit, SearchIndex


def hit_option(hit: Hit, number: int) -> Option:
    """Title and date, then where it matched with the match highlighted."""
    date = f"{hit.updated:%Y-%m-%d}" if hit.updated else ""
    prompt = Text(" ".join(hit.title.split()) or "(untitled)", style="bold")
    prompt.append(f"  {date}", style="dim")
    context = Text(f"\n  {hit.where}: ", style="dim")
    line = Text(make_inert(hit.context.replace("\n", " ")))
    line.stylize("reverse", hit.match_start, hit.match_end)
    prompt.append_text(context)
    prompt.append_text(line)
    return Option(prompt, id=str(number))


class SearchScreen(ModalScreen[Hit | None]):
    """A search box over every conversation; Enter on a result opens it at the match."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "focus_results", "Results", show=False),
    ]

    DEFAULT_CSS = """
    SearchScreen { align: center middle; }
    SearchScreen > Vertical {
        width: 90%; height: 80%; border: round $accent; background: $surface; padding: 0 1;
    }
    SearchScreen #results { height: 1fr; }
    SearchScreen #summary { color: $text-muted; height: 1; }
    """

    def __init__(self, index: SearchIndex, builder: subprocess.Popen[bytes] | None = None) -> None:
        """`builder` is the process building the index's cache, if one runs."""
        super().__init__()
        self.index = index
        self.builder = builder
        self.hits: list[Hit] = []
        self._refreshed = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(placeholder="Search every conversation (titles, prompts, messages)")
            yield Label("", id="summary")
            yield OptionList(id="results")

    @on(Input.Changed)
    def changed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    @on(Input.Submitted)
    def submitted(self) -> None:
        """Enter in the box opens the first result (Down moves to the others)."""
        if self.hits:
            self.dismiss(self.hits[0])

    def action_focus_results(self) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            results.focus()
            results.highlighted = results.highlighted or 0

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, text: str) -> None:
        """Search off the event loop (the first search may read every file)."""
        if not self._refreshed:
            if self.builder is not None and self.builder.poll() is None:
                waiting = "building the search index (the first time only)…"
                self.app.call_from_thread(self._show_summary, waiting)
                self.builder.wait()
            self.app.call_from_thread(self._show_summary, "reading the conversations…")

            def progress(done: int, total: int) -> None:
                reading = f"reading the conversations: {done:,} of {total:,}…"
                self.app.call_from_thread(self._show_summary, reading)

            self.index.refresh(progress=progress)
            self._refreshed = True
        hits = self.index.search(text, limit=200)
        self.app.call_from_thread(self._show, text, hits)

    def _show_summary(self, text: str) -> None:
        self.query_one("#summary", Label).update(text)

    def _show(self, text: str, hits: list[Hit]) -> None:
        self.hits = hits
        results = self.query_one(OptionList)
        results.clear_options()
        results.add_options([hit_option(hit, n) for n, hit in enumerate(hits)])
        if not text.strip():
            summary = ""
        elif hits:
            summary = f"{len(hits)} conversation(s) · Enter opens the first, ↓ picks another"
        else:
            summary = "no match"
        self._show_summary(summary)

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(self.hits[int(event.option.id)])
