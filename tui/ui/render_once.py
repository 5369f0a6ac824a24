"""`RenderOnce`: a Rich renderable drawn once per width, then replayed.

Textual renders a `Static`'s content twice per layout pass (once to measure its height,
once to draw it), and again whenever the screen reflows. Markdown with highlighted
code is the costliest thing on screen, so each piece keeps the lines of its last
render and replays them while the width stays the same.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment


class RenderOnce:
    """Wraps `renderable`; renders it again only when the width changes."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._width = -1
        self._lines: list[list[Segment]] = []

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width != self._width:
            self._lines = console.render_lines(
                self.renderable, options.update(height=None), pad=False, new_lines=False
            )
            self._width = options.max_width
        new_line = Segment.line()
        for line in self._lines:
            yield from line
            yield new_line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.renderable)
