"""Changing a scrolling widget's height without laying the whole screen out again.

Textual lays out every widget on the screen whenever any widget's `virtual_size`
changes. The message pane's grows on every frame of a streaming reply and with every
tool call's block, and the layout took about half of such a frame, though nothing but
the pane's scrollbar moves; only when the scrollbar comes or goes (which changes the
width left for the text) is a layout needed.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Give `view` the scrollable size `size`, with a layout only when it needs one."""
    if size == view.virtual_size:
        return
    shows_bar = size.height > view.container_size.height - view.scrollbar_size_horizontal
    if (
        size.width != view.virtual_size.width
        or shows_bar != view.show_vertical_scrollbar
        or view.styles.overflow_y != "auto"
        or not view.container_size
    ):
        view.virtual_size = size
        return
    view.set_reactive(Widget.virtual_size, size)
    view._scroll_update(size)  # the scrollbar's thumb, and scroll_y kept in range
    view.refresh()
