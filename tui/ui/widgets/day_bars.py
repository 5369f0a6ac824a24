"""`DayBars`: a bar chart of one figure per day (spend, tokens), drawn with block
characters, its scale on the left and dates under the bars; coloured by the theme."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

BLOCKS = "▁▂▃▄▅▆▇█"
"""A cell filled from one eighth to all of it."""
LABEL_EVERY = 7
"""Days between two dates under the bars (counted back from the newest)."""


def bar_cells(value: float, peak: float, height: int) -> list[str]:
    """The cells of one bar, bottom first: full blocks, then the partial top. A value
    above zero always shows (at least an eighth), however small beside the peak."""
    if peak <= 0 or value <= 0:
        return [" "] * height
    eighths = max(1, round(value / peak * height * 8))
    cells = []
    for row in range(height):
        filled = min(8, eighths - row * 8)
        cells.append(BLOCKS[filled - 1] if filled > 0 else " ")
    return cells


class DayBars(Widget):
    """One bar per day, oldest on the left; the newest (today) is marked."""

    DEFAULT_CSS = """
    DayBars { height: auto; width: 1fr; }
    DayBars > .day-bars--bar { color: $accent; }
    DayBars > .day-bars--today { color: $warning; }
    DayBars > .day-bars--axis { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"day-bars--bar", "day-bars--today", "day-bars--axis"}

    def __init__(
        self,
        days: Sequence[date],
        values: Sequence[float],
        amount: Callable[[float], str],
        *,
        rows: int = 6,
        empty: str = "Nothing on these days.",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.days = list(days)
        self.values = list(values)
        self.amount = amount
        """A value in words for the scale: `$0.42`, `12k`."""
        self.rows = rows
        self.empty = empty
        """Shown instead of a chart with no bars (all of it at the scale's zero)."""

    def render(self) -> Text:
        bar = self.get_component_rich_style("day-bars--bar")
        today = self.get_component_rich_style("day-bars--today")
        axis = self.get_component_rich_style("day-bars--axis")
        peak = max(self.values, default=0.0)
        if peak <= 0:
            return Text(self.empty, axis)
        top, bottom = self.amount(peak), self.amount(0.0)
        width = max(len(top), len(bottom))
        bars = [bar_cells(value, peak, self.rows) for value in self.values]
        text = Text(no_wrap=True, overflow="crop")
        for row in reversed(range(self.rows)):
            label = top if row == self.rows - 1 else bottom if row == 0 else ""
            text.append(f"{label:>{width}} {'┤' if label else '│'}", axis)
            for index, cells in enumerate(bars):
                newest = index == len(bars) - 1
                text.append(cells[row] * 2, today if newest else bar)
                text.append(" ")
            text.append("\n")
        text.append(" " * (width + 1) + "└" + "───" * len(bars) + "\n", axis)
        text.append(" " * (width + 2) + self._dates(), axis)
        return text

    def _dates(self) -> str:
        """`MM-DD` under every seventh bar, counted back from the newest."""
        line = [" "] * (3 * len(self.days) + 2)
        for index in range(len(self.days) - 1, -1, -LABEL_EVERY):
            words = self.days[index].strftime("%m-%d")
            line[3 * index : 3 * index + len(words)] = words
        return "".join(line).rstrip()
