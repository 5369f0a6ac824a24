"""`MessagePane`: the open conversation's messages, as one widget that draws only what is
on screen, following the stream at the bottom.

Every message is a `MessageView` (not a widget) whose parts render their rows once per
width. The pane keeps where each message starts (`tops`) and draws a row by finding
its message (a bisection) and the part's row. Messages off screen are not drawn at
all: their height is estimated from their text until they first come into sight, and
then measured (the scroll position is kept still when a measure above it differs). So
opening a long conversation, and each frame of a stream, cost what a screenful costs.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from textual import events
from textual.binding import BindingType
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from tui.domain import ChatMessage, Conversation
from tui.ui.keymap import bindings
from tui.ui.pictures import renderer
from tui.ui.sixels import Place, find_places
from tui.ui.widgets.after_paint import AfterPaint
from tui.ui.widgets.message_parts import LOOK_COMPONENTS, LOOK_FILLS, Look, Picture, Reasoning
from tui.ui.widgets.message_view import MessageView
from tui.ui.widgets.pane_layout import PaneLayout
from tui.ui.widgets.pane_rows import FinishedRows, Frame
from tui.ui.widgets.prompt_input import PromptInput
from tui.ui.widgets.tool_blocks import ToolCallBlock
from tui.ui.widgets.virtual_height import set_virtual_size

if TYPE_CHECKING:
    from tui.ui.pictures import PictureCache

EMPTY_HINT = "Type a message below and press Enter to send it."


class MessagePane(ScrollView, can_focus=True):
    """The messages of a conversation, drawn line by line. Focused, one message is
    selected (↑/↓ move) and takes the keys that act on one message."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("message")
    COMPONENT_CLASSES: ClassVar[set[str]] = {*LOOK_COMPONENTS, *LOOK_FILLS, "message--focus"}
    DEFAULT_CSS = """
    MessagePane { height: 1fr; }
    MessagePane > .message--you { color: $accent; text-style: bold; }
    MessagePane > .message--assistant { color: $primary; text-style: bold; }
    MessagePane > .message--muted { color: $text-muted; }
    MessagePane > .message--finish { color: $text-muted; }
    MessagePane > .message--live { color: $secondary; }
    MessagePane > .message--warning { color: $warning; text-style: bold; }
    MessagePane > .message--error { color: $error; text-style: bold; }
    MessagePane > .message--reasoning { color: $text-muted; text-style: italic; }
    MessagePane > .message--reasoning-title {
        color: $block-cursor-blurred-foreground; text-style: italic;
    }
    MessagePane > .message--reasoning-box { background: $surface; }
    MessagePane > .message--focus { background: $boost; color: $accent; }
    MessagePane > .image--missing { color: $warning; }
    MessagePane > .call--head { text-style: bold; }
    MessagePane > .call--args { color: $text-muted; }
    MessagePane > .call--rule { color: $secondary 50%; }
    MessagePane > .call--error { color: $error; }
    MessagePane > .call--more { color: $text-muted; text-style: italic; }
    MessagePane > .call--bar { color: $secondary; }
    MessagePane > .call--bar-error { color: $error; }
    """

    def __init__(
        self,
        *,
        id: str | None = None,
        pictures: PictureCache | None = None,
        at_bottom: bool = True,
    ) -> None:
        """`at_bottom`: a conversation shorter than the pane sits at its bottom, over
        the message box (else at the top)."""
        super().__init__(id=id)
        self.pictures = pictures
        """Draws the messages' images (decoded once each, when first on screen)."""
        self.at_bottom = at_bottom
        self.conversation: Conversation | None = None
        self.chosen: int | None = None
        """The index of the message the user selected (None: the newest is)."""
        self.following = True
        """False once the user scrolls up, until they come back to the end."""
        self.hint = ""
        """The line shown when there are no messages."""
        self.places = PaneLayout()
        self._look: Look | None = None
        self._frame: Frame | None = None
        """What the rows are drawn with, while a frame is drawn."""
        self._finished = FinishedRows()
        self.sixel_places: list[Place] = []
        """Where the last rows drawn put Sixel pictures on screen (`tui.ui.sixels`)."""
        self._loading: set[int] = set()
        self._prompt: PromptInput | None = None
        self.after_paint = AfterPaint(self)  # work held until the pane shows what it has

    @property
    def views(self) -> list[MessageView]:
        """The messages' views, top to bottom."""
        return self.places.views

    # ----------------------------------------------------------------- contents

    def show(self, conv: Conversation, live: ChatMessage | None = None) -> None:
        """Replace the pane's content with `conv`; `live` is the reply still streaming."""
        self.conversation = conv
        for view in self.views:
            view.host = None
        self.places.set_views([self._view(m, live=m is live) for m in conv.messages])
        self.hint = "" if self.views else EMPTY_HINT
        self.chosen = None
        self._reflow(0)
        self._follow()

    def add(
        self, message: ChatMessage, *, live: bool = False, title: str | None = None
    ) -> MessageView:
        """Append a view for a new message and follow it."""
        view = self._view(message, live=live, title=title)
        self.places.append(view)
        self.hint = ""
        self._reflow(len(self.views) - 1)
        self._follow()
        return view

    def _follow(self) -> None:
        if self.is_attached:
            self.anchor()
        else:
            self.following = self._anchored = True  # from the first layout on

    def on_mount(self) -> None:
        self._reflow(0)

    def _view(
        self, message: ChatMessage, *, live: bool = False, title: str | None = None
    ) -> MessageView:
        view = MessageView(message, live=live, title=title, pictures=self.pictures)
        view.host = self
        return view

    def view_for(self, message: ChatMessage) -> MessageView | None:
        """The view showing `message` (the newest are looked at first)."""
        for view in reversed(self.views):
            if view.message is message:
                return view
        return None

    # ----------------------------------------------------------------- what views need

    @property
    def echo_pending(self) -> bool:
        """Whether a key typed in the message box waits to be painted."""
        if self._prompt is None and self.is_attached:
            self._prompt = next(iter(self.screen.query(PromptInput)), None)
        return self._prompt is not None and self._prompt.echo_pending

    def view_changed(self, view: MessageView) -> None:
        """`view` drew something new: measure it again and repaint."""
        if view.host is not self:
            return
        views = self.views
        index = next(i for i in range(len(views) - 1, -1, -1) if views[i] is view)
        self._reflow(index)  # (a stream's view is the last: looked for from the end)

    # ----------------------------------------------------------------- geometry

    @property
    def look(self) -> Look:
        """What the parts are drawn with (made again when the styles change)."""
        if self._look is None:
            self._look = Look.of(self)
        return self._look

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._look = None
        self._finished.clear()
        self._reflow(0)

    @property
    def inner_width(self) -> int:
        """The width of a message's text (a cell each side for the focus bar and space)."""
        return max(self.scrollable_content_region.width - 2, 1)

    def _reflow(self, start: int) -> None:
        """Lay out again from view `start` on, measure what is on screen, repaint."""
        if not self.is_attached or not self.size.width:
            return
        self.places.reflow(start, self.inner_width, self.look)
        self._measure_window()
        # A change below the screen (a stream the user scrolled away from) shows only
        # in the scrollbar, which the new virtual size updates.
        bottom = self.scroll_y + self.scrollable_content_region.height
        if start >= len(self.places.tops) or self.places.tops[start] <= bottom or self._gap():
            self.refresh()

    def _measure_window(self) -> None:
        """Measure the views on screen that were only estimated, keeping still what is
        on screen (unless the pane follows the stream at the end)."""
        following = self._anchored and not self._anchor_released
        rows = self.scrollable_content_region.height
        window = None if following else int(self.scroll_y)
        _, moved = self.places.measure(window, rows, self.inner_width, self.look)
        if moved:
            self.set_reactive(ScrollView.scroll_y, self.scroll_y + moved)
            self.set_reactive(ScrollView.scroll_target_y, self.scroll_y)
        total = self.places.total + (2 if self.hint else 0)  # the hint, a blank row
        set_virtual_size(self, Size(self.scrollable_content_region.width, total))

    def on_resize(self, event: events.Resize) -> None:
        self._reflow(0)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value) and self.views and self.size.width:
            self._measure_window()

    def _gap(self) -> int:
        """Blank rows above a conversation shorter than the pane (kept at its bottom)."""
        if not self.at_bottom:
            return 0
        return max(self.scrollable_content_region.height - self.virtual_size.height, 0)

    def row_at(self, y: int) -> int:
        """The row of the messages drawn at row `y` of the pane."""
        return y + int(self.scroll_y) - self._gap()

    # ----------------------------------------------------------------- drawing

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame = Frame(self, self.row_at(0))
        try:
            lines = super().render_lines(crop)
        finally:
            self._frame = None
        self.after_paint.painted()
        if renderer() == "sixel":
            self.sixel_places = find_places(lines, (self.region.x + crop.x, self.region.y + crop.y))
        return lines

    def render_line(self, y: int) -> Strip:
        frame = self._frame or Frame(self, self.row_at(0))
        row_y = frame.first_row + y
        index = self.places.view_at(row_y)
        if index is None:
            if self.hint and row_y == 0:
                line = Strip([Segment(f"  {self.hint}", self.look.style("message--muted"))])
                return line.apply_style(frame.background).extend_cell_length(
                    frame.width, frame.background
                )
            return Strip.blank(frame.width, frame.background)
        view, top = self.views[index], self.places.tops[index]
        found = view.part_at(row_y - top, frame.inner, self.look)
        # The blank row under a message is between messages: no focus bar there.
        last_row = row_y - top == self.places.heights[index] - 1
        focused = index == frame.focused and not last_row
        if found is None:
            background = frame.mark_background if focused else frame.background
            left = frame.mark if focused else Segment(" ")
            return Strip([left]).apply_style(background).extend_cell_length(frame.width, background)
        part, start = found
        for picture in part.pictures_wanted():
            self._load(picture, view)
        row = part.rows(frame.inner, self.look, top + start)[row_y - top - start]
        fill = None if part.fill is None else self.look.fills[part.fill]
        return self._finished.line(row, row_y, frame, focused, fill)

    def _load(self, picture: Picture, view: MessageView) -> None:
        """Decode `picture` in a worker (once), then draw its message again."""
        if id(picture) in self._loading:
            return
        self._loading.add(id(picture))

        async def load() -> None:
            await asyncio.to_thread(picture.load, self.inner_width, self.look)
            self._loading.discard(id(picture))
            for part in view.parts:
                if picture in part.pictures_wanted(all_of_them=True):
                    part.changed()
            view.changed()

        self.run_worker(load(), group="picture", exit_on_error=False)

    # ----------------------------------------------------------------- selection

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        copied = self.places.copied(selection, self.inner_width, self.look)
        return None if copied is None else (copied, "\n\n")

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    # ----------------------------------------------------------------- following

    def anchor(self, anchor: bool = True) -> None:
        super().anchor(anchor)
        self.following = anchor

    def release_anchor(self) -> None:
        # Textual calls this when the user scrolls (wheel, keys, scrollbar).
        super().release_anchor()
        self.following = False

    @property
    def scrolled_up(self) -> bool:
        """Whether the user has scrolled away from the newest text (and stayed there)."""
        if not self.following and self.max_scroll_y - self.scroll_y <= 1:
            self.following = True  # Textual re-anchors once the user is back at the end
        return not self.following

    def reveal(self, message: ChatMessage) -> MessageView | None:
        """Scroll to the top of `message`'s view (when it is on screen)."""
        view = self.view_for(message)
        if view is not None:
            self.select(view)
        return view

    # ----------------------------------------------------------------- focus and keys

    @property
    def focused_view(self) -> MessageView | None:
        """The selected message while the pane has the focus."""
        index = self.selected
        return self.views[index] if self.has_focus and index is not None else None

    @property
    def selected(self) -> int | None:
        """The index of the selected message (drawn with a bar while focused)."""
        if not self.views:
            return None
        chosen = self.chosen
        return chosen if chosen is not None and chosen < len(self.views) else len(self.views) - 1

    def select(self, view: MessageView, *, focus: bool = True) -> None:
        """Select `view`, put the focus on the pane, and scroll the message into sight."""
        self.chosen = self.views.index(view)
        if focus:
            self.focus()
        self.call_after_refresh(self._scroll_to_selected)
        self.refresh()

    def _scroll_to_selected(self) -> None:
        index = self.selected
        if index is None or index >= len(self.places.tops) or self.max_scroll_y <= 0:
            return
        top, height = self.places.tops[index], self.places.heights[index]
        view_height = self.scrollable_content_region.height
        if top < self.scroll_y or top + min(height, view_height) > self.scroll_y + view_height:
            self.release_anchor()
            self.scroll_to(y=top, animate=False, immediate=True)

    def on_focus(self, event: events.Focus) -> None:
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        self.refresh()

    def action_move(self, step: int) -> None:
        """Move the selection to the previous or next message."""
        if self.selected is None:
            return
        index = self.selected + step
        if 0 <= index < len(self.views):
            self.select(self.views[index])

    def action_toggle_tools(self) -> None:
        """Expand or collapse the results of the selected reply's tool calls."""
        if (view := self.focused_view) is not None:
            view.toggle_tools()

    def action_leave(self) -> None:
        """Back to the message box."""
        self.screen.query_one("#prompt").focus()

    def on_click(self, event: events.Click) -> None:
        row_y = self.row_at(event.y)
        index = self.places.view_at(row_y)
        if index is None:
            return
        view = self.views[index]
        self.chosen = index
        found = view.part_at(row_y - self.places.tops[index], self.inner_width, self.look)
        if found is not None:
            part, start = found
            if isinstance(part, ToolCallBlock) or (
                isinstance(part, Reasoning) and row_y - self.places.tops[index] == start
            ):
                part.toggle()
                view.changed()
        self.refresh()
