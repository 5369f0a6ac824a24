"""`CallLines`: a tool call's text (head, arguments, result, hint) as one widget.

Drawn line by line like `PieceStack`. The arguments and the result are selectable and
copied with a blank line between them; the head and the hint are the app's words and a
copy passes over them. Long lines are folded at the width, as a terminal does (tool
output is often JSON or code), so a copy gives back exactly what the tool returned.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.text import Text

from tui.ui.markdown_rows import SOFT_CODE, fold
from tui.ui.selectable import Row, RowsWidget, rows_of

RULE = "╌"
"""Drawn across the block between the arguments and the result."""


class CallLines(RowsWidget):
    """A tool call's head, arguments, result and hint, drawn line by line."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "call--head",
        "call--args",
        "call--rule",
        "call--error",
        "call--more",
    }
    DEFAULT_CSS = """
    CallLines { height: auto; }
    CallLines > .call--head { text-style: bold; }
    CallLines > .call--args { color: $text-muted; }
    CallLines > .call--rule { color: $secondary 50%; }
    CallLines > .call--error { color: $error; }
    CallLines > .call--more { color: $text-muted; text-style: italic; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._parts: tuple[str, str, str, str, bool] = ("", "", "", "", False)
        self._key: tuple[object, ...] | None = None
        self._rows: list[Row] = []

    def show(self, head: str, arguments: str, result: str, hint: str, *, failed: bool) -> None:
        """Draw these (an empty result or hint is left out)."""
        parts = (head, arguments, result, hint, failed)
        if parts == self._parts:
            return
        height_before = len(self._rows)
        self._parts = parts
        width = self.content_size.width
        # A change that keeps the height (a call going from calling to running, say)
        # repaints this widget alone; only a new height needs a layout of the screen.
        drawn = width > 0 and self._key is not None
        same_height = drawn and len(self.lay_out(width)) == height_before
        self.refresh(layout=not same_height)

    def lay_out(self, width: int) -> list[Row]:
        base = self.visual_style.rich_style
        key = (width, base, self._parts)
        if key == self._key:
            return self._rows
        head, arguments, result, hint, failed = self._parts
        lines: list[list[Segment]] = []
        copied: list[bool] = []

        def add(text: str, component: str | None, copy: bool) -> None:
            style = base
            if component is not None:
                style += self.get_component_rich_style(component)
            for line in text.split("\n"):
                styled = Text(line)
                styled.stylize(style)  # a span: a Text's own style is not in its segments
                for index, row in enumerate(fold(styled, max(width, 1))):
                    segments = list(row.render(self.app.console, end=""))
                    if index:  # a folded row: the copy joins it to the row above as is
                        segments = [Segment(t, (s or base) + SOFT_CODE, c) for t, s, c in segments]
                    lines.append(segments)
                    copied.append(copy)

        add(head, "call--head", False)
        add(arguments, "call--args", True)
        rule = len(lines)
        if result:
            rule_style = base + self.get_component_rich_style("call--rule")
            lines.append([Segment(RULE * width, rule_style)])
            copied.append(True)
            add(result, "call--error" if failed else None, True)
        if hint:
            add(hint, "call--more", False)
        rows = rows_of(lines)
        for y, row in enumerate(rows):
            if y == rule and result:
                rows[y] = Row(row.segments, "", None)  # a blank line between the two
            elif not copied[y]:
                rows[y] = Row(row.segments, None, None)
        self._key, self._rows = key, rows
        return rows
