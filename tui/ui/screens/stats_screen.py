"""The Stats screen: what the saved replies used and cost over 7 days, 30 days and all
time, by provider and model, and a chart of spend and tokens per day for the last 30
days. The replies are read in a thread worker; `now` is given, so the days shown are
the caller's (a test fixes them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Static

from tui.context import short_count
from tui.prices import cost_words
from tui.spending import ReplySpend, SpendRow, summarise
from tui.ui.keymap import bindings
from tui.ui.widgets.day_bars import DayBars
from tui.ui.widgets.key_footer import KeyFooter

CHART_DAYS = 30
PERIODS: tuple[tuple[str, int | None], ...] = (("7 days", 7), ("30 days", 30), ("all", None))
"""The totals' rows: a name and how many days back (None: everything)."""


@dataclass(frozen=True, slots=True)
class Stats:
    """What the screen shows, summed from the replies."""

    totals: list[tuple[str, SpendRow]]
    models: list[SpendRow]
    days: list[date]
    day_rows: list[SpendRow]


def gather(replies: Sequence[ReplySpend], now: datetime) -> Stats:
    """The totals per period, the rows by provider/model (all time), and one row per
    day of the last `CHART_DAYS` (UTC days, oldest first; empty days included)."""
    now = now.astimezone(UTC)
    totals = [
        (name, summarise(replies, since=None if back is None else now - timedelta(days=back))[0])
        for name, back in PERIODS
    ]
    today = now.date()
    days = [today - timedelta(days=CHART_DAYS - 1 - n) for n in range(CHART_DAYS)]
    start = datetime(days[0].year, days[0].month, days[0].day, tzinfo=UTC)
    by_day = {row.key: row for row in summarise(replies, since=start, by="day")[1]}
    day_rows = [by_day.get(day.isoformat(), SpendRow(day.isoformat())) for day in days]
    return Stats(totals, summarise(replies, by="model")[1], days, day_rows)


def spent(row: SpendRow) -> str:
    """A row's cost: `$0.42`, `$0.42 + 3 unpriced`, or `unknown` when none is priced."""
    if row.unpriced_replies and row.unpriced_replies == row.replies:
        return "unknown"
    words = cost_words(row.cost_usd)
    return f"{words} + {row.unpriced_replies} unpriced" if row.unpriced_replies else words


def usage_table(first: str, rows: Sequence[tuple[str, SpendRow]]) -> Table:
    """Replies, tokens and cost per row."""
    table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column(first)
    for name in ("replies", "input", "output", "cached", "cost"):
        table.add_column(name, justify="right")
    for name, row in rows:
        table.add_row(
            name,
            f"{row.replies:,}",
            f"{row.input_tokens:,}",
            f"{row.output_tokens:,}",
            f"{row.cached_input_tokens:,}",
            spent(row),
        )
    return table


def dollars(value: float) -> str:
    return "$0" if value <= 0 else cost_words(value)


def tokens(value: float) -> str:
    return short_count(round(value))


class StatsScreen(Screen[None]):
    """Spend and usage of every saved reply."""

    DEFAULT_CSS = """
    StatsScreen > VerticalScroll { padding: 0 1; }
    StatsScreen .heading { text-style: bold; color: $accent; margin-top: 1; }
    StatsScreen .note { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = bindings("stats")

    def __init__(self, load: Callable[[], list[ReplySpend]], now: datetime) -> None:
        """`load` reads every saved reply's spend (called on a worker thread)."""
        super().__init__()
        self.load = load
        self.now = now
        self.stats: Stats | None = None
        """What is shown, once read."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stats"):
            yield Label("Reading the saved conversations…", id="loading", classes="note")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "Stats"
        self.run_worker(self._read, thread=True, group="stats", exit_on_error=False)

    def _read(self) -> None:
        stats = gather(self.load(), self.now)
        self.app.call_from_thread(self.show, stats)

    def show(self, stats: Stats) -> None:
        """Replace the loading note with the tables and the charts."""
        self.stats = stats
        self.query_one("#loading").remove()
        self.query_one("#stats", VerticalScroll).mount_all(self._parts(stats))

    def _parts(self, stats: Stats) -> list[Static | Label | DayBars]:
        spend = [row.cost_usd for row in stats.day_rows]
        used = [float(row.input_tokens + row.output_tokens) for row in stats.day_rows]
        first, last = stats.days[0], stats.days[-1]
        month = sum(spend)
        unpriced = stats.totals[-1][1].unpriced_replies
        parts: list[Static | Label | DayBars] = [
            Label("Totals", classes="heading"),
            Static(usage_table("since", stats.totals), id="totals"),
        ]
        if unpriced:
            parts.append(
                Label(
                    f"{unpriced} replies have no known price: their cost is not counted "
                    "(nor by the budget).",
                    classes="note",
                )
            )
        parts += [
            Label(
                f"Spend per day, {first:%b %d} to {last:%b %d} (UTC): {dollars(month)}",
                classes="heading",
            ),
            DayBars(
                stats.days,
                spend,
                dollars,
                rows=6,
                empty="No priced reply on these days.",
                id="spend-chart",
            ),
            Label(
                f"Tokens per day (input + output): {short_count(round(sum(used)))}",
                classes="heading",
            ),
            DayBars(
                stats.days,
                used,
                tokens,
                rows=4,
                empty="No tokens used on these days.",
                id="token-chart",
            ),
            Label("By provider and model (all time)", classes="heading"),
            Static(
                usage_table("provider/model", [(row.key, row) for row in stats.models]),
                id="models",
            ),
        ]
        if not stats.models:
            parts.append(Label("No saved reply has used any tokens yet.", classes="note"))
        return parts
