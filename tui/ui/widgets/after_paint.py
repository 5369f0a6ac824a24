"""Work held back until a widget has been painted.

When a reply ends, its last words and the bookkeeping around them (the list's new order,
the status line's totals, the footer's keys) used to go out in one frame, and that
bookkeeping makes Textual lay the whole screen out: the last words waited for it. Held
here, the bookkeeping runs once the pane has drawn them.

Textual's `call_after_refresh` cannot say this: a widget's repaint reaches its screen
only when the widget itself goes idle, so a callback queued on the screen can run before
the frame it was meant to follow.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.timer import Timer
from textual.widget import Widget

PAINT_WAIT_S = 0.1
"""The longest held work waits (the widget may not be drawn at all: a dialog covers it)."""


class AfterPaint:
    """Callbacks run once `widget` has been drawn, or after `PAINT_WAIT_S`."""

    def __init__(self, widget: Widget) -> None:
        self._widget = widget
        self._waiting: list[Callable[[], object]] = []
        self._timer: Timer | None = None

    def add(self, callback: Callable[[], object]) -> None:
        """Run `callback` after the widget's next paint."""
        self._waiting.append(callback)
        if self._timer is None:
            self._timer = self._widget.set_timer(PAINT_WAIT_S, self._run)

    def painted(self) -> None:
        """The widget has just drawn its lines (call from its `render_lines`): the work
        held runs once this frame is out."""
        if self._waiting:
            self._widget.screen.call_after_refresh(self._run)

    def _run(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        waiting, self._waiting = self._waiting, []
        for callback in waiting:
            callback()
