"""The text widgets of a message, as mouse selection sees them.

A drag across messages selects their text (`Piece`, `Passage`) and passes over their
captions (who wrote it, counters, chips, the finish line), so Ctrl+C copies what was
written and nothing the app drew around it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from textual.widgets import Static

from tui.ui.selectable import SelectableLines, copied_text

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.selection import Selection

BLOCK_END = "\n\n"
"""Between two pieces, or after a message: the blank line the screen shows."""


class Caption(Static):
    """A line the app draws about a message; never part of a selection."""

    ALLOW_SELECT: ClassVar[bool] = False

    _said = ""

    def say(self, text: str) -> None:
        """Show one line of `text`. While the old and the new text both fit the width,
        only this line is repainted: live counters change 4 times a second, and a
        layout of the screen costs a whole frame."""
        width = self.content_size.width
        fits = width > 0 and max(cell_len(self._said), cell_len(text)) <= width
        self._said = text
        self.update(text, layout=not fits)


class Passage(Static):
    """Plain text someone wrote (a question, reasoning, a tool result): selectable, and
    copied with a blank line after it when the selection goes on past it."""

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        got = super().get_selection(selection)
        return None if got is None else (got[0], BLOCK_END)


class Piece(Static):
    """A stretch of a reply's Markdown, rendered once per width and selectable."""

    def __init__(self, markdown: RenderableType, *, classes: str = "piece") -> None:
        self.lines = SelectableLines(self, markdown)
        super().__init__(self.lines, classes=classes)
        self.ending = BLOCK_END
        """What follows this piece in a copy: a blank line, or a line break when a code
        block goes on in the next piece."""

    def show(self, markdown: RenderableType) -> None:
        """Draw `markdown` instead."""
        self.lines = SelectableLines(self, markdown)
        self.update(self.lines)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        rows = self.lines.rows(self.content_region.width or self.size.width)
        return copied_text(rows, selection).strip("\n"), self.ending
