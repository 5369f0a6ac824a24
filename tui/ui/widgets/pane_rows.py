"""The message pane's rows as Textual strips.

What every row of one frame shares (widths, scroll position, backgrounds, the focus
mark, the selection's highlight) is looked up once per frame (`Frame`), and a finished
strip is kept for each row drawn (`FinishedRows`): while a reply streams, every frame
draws the screenful again one row higher, mostly with rows drawn the frame before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style as TextualStyle

from tui.ui.selectable import Row, drawn_row

if TYPE_CHECKING:
    from tui.ui.widgets.message_pane import MessagePane

KEPT_ROWS = 1000
"""Finished strips kept (some screenfuls); all are dropped when there are more."""


class Frame:
    """What the rows of one frame of `pane` are drawn with."""

    def __init__(self, pane: MessagePane, first_row: int) -> None:
        self.width = pane.scrollable_content_region.width
        self.inner = pane.inner_width
        self.first_row = first_row
        """The row of the messages drawn at the pane's top row."""
        self.background = RichStyle(bgcolor=pane.visual_style.rich_style.bgcolor)
        self.focused = pane.selected if pane.has_focus else None
        """The index of the message with the focus bar, if the pane has the focus."""
        mark = pane.get_component_rich_style("message--focus")
        self.mark_background = RichStyle(bgcolor=mark.bgcolor)
        self.mark = Segment("█", RichStyle(color=mark.color, bgcolor=mark.bgcolor))
        self.selection: Selection | None = pane.text_selection
        self.highlight: RichStyle | None = None
        if self.selection is not None:
            styles = pane.screen.get_component_styles("screen--selection")
            self.highlight = TextualStyle.from_styles(styles).rich_style


class FinishedRows:
    """The finished strip of each row drawn lately, by the row and how it was drawn."""

    def __init__(self) -> None:
        self._strips: dict[tuple[int, bool, RichStyle], tuple[Row, Strip]] = {}

    def clear(self) -> None:
        self._strips.clear()

    def line(self, row: Row, y: int, frame: Frame, focused: bool, fill: RichStyle | None) -> Strip:
        """Row `y` of the messages: `row` after the focus bar (or a space), padded to the
        pane's width, on the pane's background or the part's `fill`."""
        background = frame.mark_background if focused else frame.background
        if fill is not None:  # laid on a box of its own, focus bar or not
            background = fill
        if frame.selection is not None:  # the highlight moves with every drag
            return self._finish(row, y, frame, focused, background, fill)
        key = (id(row), focused, background)
        kept = self._strips.get(key)
        if kept is not None and kept[0] is row:
            return kept[1]
        if len(self._strips) >= KEPT_ROWS:
            self._strips.clear()
        line = self._finish(row, y, frame, focused, background, fill)
        self._strips[key] = (row, line)
        return line

    @staticmethod
    def _finish(
        row: Row, y: int, frame: Frame, focused: bool, background: RichStyle, fill: RichStyle | None
    ) -> Strip:
        left = frame.mark if focused else Segment(" ", fill)
        drawn = drawn_row(row, y, frame.selection, frame.highlight).crop(0, frame.inner)
        padding = Segment(" " * (frame.inner - drawn.cell_length + 1))
        return Strip(on_background([left, *drawn, padding], background))


def on_background(segments: list[Segment], background: RichStyle) -> list[Segment]:
    """`segments` laid on `background`: what `Strip.apply_style` does, less the work for
    segments with a background of their own (a picture's cells, each with two colours),
    which it would leave as they are."""
    add = background.__add__
    return [
        segment
        if segment.style is not None and segment.style.bgcolor is not None
        else Segment(segment.text, add(segment.style), segment.control)
        for segment in segments
    ]
