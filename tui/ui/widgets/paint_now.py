"""Drawing a widget's change in a frame now, not at Textual's next frame tick.

Textual draws at most 60 frames a second: a change made within 1/60 s of the last frame
waits for the next tick of the screen's frame timer. A reply's first words are worth a
frame of their own: the frames of the reply's start (the question, the status line, the
keys) had just gone out when they came, and they waited 5-18 ms for the tick.
"""

from __future__ import annotations

from textual.widget import Widget


def paint_now(widget: Widget) -> None:
    """Put `widget`'s pending repaint on screen in a frame drawn as soon as the screen
    has taken it, instead of at the frame timer's next tick."""
    screen = widget.screen
    # Its repaint reaches the screen now rather than when the widget next goes idle,
    # so the frame queued after it on the screen includes it.
    widget._check_refresh()
    # The frame timer's own step (Textual's Pilot draws a frame on demand the same way).
    screen.call_later(screen._on_timer_update)
