"""`PaneLayout`: where each message of the message pane starts, and what a selection
across them copies.

A message's height is measured (its parts drawn at the width) only once it comes on
screen; until then it is estimated from its text. A measure that differs from the
estimate moves the messages under it; one above the screen would move what is on
screen, so `measure` says by how much the pane must scroll to keep it still.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING

from textual.geometry import Offset
from textual.selection import Selection

from tui.ui.selectable import copied_text

if TYPE_CHECKING:
    from tui.domain import ChatMessage
    from tui.ui.widgets.message_parts import Look
    from tui.ui.widgets.message_view import MessageView

MEASURE_PASSES = 4
"""A measure moves what is on screen: the window is looked at again, a few times."""
IMAGE_ROWS = 11
"""About the rows an image under a question takes."""


def estimate(message: ChatMessage, width: int) -> int:
    """About the rows `message` takes at `width`, without drawing it."""
    text = message.content or message.refusal
    width = max(width, 10)
    rows = 3 + sum(1 + len(line) // width for line in text.split("\n"))
    rows += sum(2 + 4 * len(step.calls) for step in message.steps)
    return rows + IMAGE_ROWS * len(message.images)


class PaneLayout:
    """The views of a pane, each one's first row and height."""

    def __init__(self) -> None:
        self.views: list[MessageView] = []
        self.tops: list[int] = []
        self.heights: list[int] = []
        self.measured: list[int] = []
        """Per view: the width its height was measured at (-1: only estimated)."""
        self._estimates: dict[tuple[int, int], int] = {}
        """Estimated heights by (id of the view, width)."""

    def set_views(self, views: list[MessageView]) -> None:
        """Lay out `views` instead (nothing measured yet)."""
        self.views = views
        self.tops, self.heights, self.measured = [], [0] * len(views), [-1] * len(views)
        self._estimates.clear()

    def append(self, view: MessageView) -> None:
        """Add `view` at the end (measured at the next `reflow`)."""
        self.views.append(view)
        self.heights.append(0)
        self.measured.append(-1)

    @property
    def total(self) -> int:
        """The rows of all the views."""
        return self.tops[-1] + self.heights[-1] if self.tops else 0

    def _height(self, index: int, width: int, look: Look, *, exact: bool) -> int:
        view = self.views[index]
        if exact or self.measured[index] == width:
            self.measured[index] = width
            return view.height(width, look)
        key = (id(view), width)
        if key not in self._estimates:
            self._estimates[key] = estimate(view.message, width)
        return self._estimates[key]

    def reflow(self, start: int, width: int, look: Look) -> None:
        """Lay out again from view `start` on (those measured at `width` are measured
        again, the others estimated)."""
        del self.tops[start:]
        top = self.tops[-1] + self.heights[start - 1] if self.tops else 0
        for index in range(start, len(self.views)):
            self.tops.append(top)
            self.heights[index] = self._height(index, width, look, exact=False)
            top += self.heights[index]

    def measure(
        self, window: int | None, rows: int, width: int, look: Look
    ) -> tuple[bool, int]:
        """Measure the views in the `rows` rows from row `window` (None: the last rows,
        where a pane that follows the stream is) that were only estimated. Returns
        whether any height changed, and by how much the rows at `window` moved down."""
        changed, moved = False, 0
        for _ in range(MEASURE_PASSES):
            first_row = max(self.total - rows, 0) if window is None else window + moved
            first = max(bisect_right(self.tops, first_row) - 1, 0)
            again = False
            for index in range(first, len(self.views)):
                if self.tops[index] > first_row + rows:
                    break
                if self.measured[index] == width:
                    continue
                new = self._height(index, width, look, exact=True)
                delta, self.heights[index] = new - self.heights[index], new
                if delta:
                    for later in range(index + 1, len(self.views)):
                        self.tops[later] += delta
                    if window is not None and self.tops[index] < first_row:
                        moved += delta
                    again = changed = True
            if not again:
                break
        return changed, moved

    def view_at(self, row: int) -> int | None:
        """The index of the view drawn at row `row`, if any."""
        index = bisect_right(self.tops, row) - 1
        if index < 0 or row >= self.tops[index] + self.heights[index]:
            return None
        return index

    def copied(self, selection: Selection, width: int, look: Look) -> str | None:
        """What `selection` covers, as a person would type it out: the text parts'
        text, each followed by its ending when the selection goes on past it."""
        if not self.tops:
            return None
        begin, end = selection.start, selection.end
        first = begin.y if begin is not None else 0
        last = end.y if end is not None else self.total
        texts: list[tuple[str, str]] = []
        for index in range(self.view_at(first) or 0, len(self.views)):
            top = self.tops[index]
            if top > last:
                break
            for part, start in self.views[index].spans(width, look):
                part_top = top + start
                height = part.height(width, look)
                if not part.copied or part_top + height <= first or part_top > last:
                    continue
                local = Selection(
                    begin - Offset(0, part_top) if begin and begin.y >= part_top else None,
                    end - Offset(0, part_top) if end and end.y < part_top + height else None,
                )
                text = copied_text(part.rows(width, look, part_top), local).strip("\n")
                if text:
                    texts.append((text, part.ending))
        if not texts:
            return None
        return "".join(text + ending for text, ending in texts[:-1]) + texts[-1][0]
