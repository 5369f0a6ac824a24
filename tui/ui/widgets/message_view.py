"""`MessageView`: one message, and for a streaming reply, its live rendering.

Chunks are not rendered one by one: `feed_text` collects them and a flush at most once
per frame renders the batch. A reply is a column of `Piece` widgets holding Rich
Markdown: finished pieces never change again (Textual keeps their size and lines
cached), and only the growing tail is re-parsed and re-laid out each frame. The tail is
frozen into a piece at a safe block boundary (see `markdown_split`) once it is about
`PIECE_CHARS` long, so the cost of a reply stays linear in its length.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.geometry import Region
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import Collapsible, Static

from tui.domain import ChatMessage, Role
from tui.inert import make_inert
from tui.ui.finish_words import finish_label
from tui.ui.keymap import bindings
from tui.ui.markdown_rows import render_markdown
from tui.ui.markdown_split import last_safe_cut, open_fence_cut
from tui.ui.widgets.image_view import PictureView
from tui.ui.widgets.image_view import chips as image_chips
from tui.ui.widgets.piece_stack import PieceStack
from tui.ui.widgets.pieces import Caption, Passage, Piece
from tui.ui.widgets.prompt_input import PromptInput
from tui.ui.widgets.tool_blocks import CallView, ToolRound

if TYPE_CHECKING:
    from rich.markdown import Markdown

    from tui.ui.pictures import PictureCache

FRAME_S = 1 / 30
"""Flush interval while text arrives at reading speed."""
BUSY_FRAME_S = 0.1
"""Flush interval while text arrives faster than anyone reads: each flush costs a full
repaint of the scrolling pane."""
BUSY_CHARS_PER_S = 2000
"""About 500 tokens a second: above this, a stream is drawn 10 times a second."""
FRAME_CHARS = 2000
"""The most new text one frame draws (about 30 ms of Markdown rendering), so that keys
and scrolling stay responsive while a very fast stream outruns the screen."""
CODE_LINES_PER_PIECE = 100
"""A code block still streaming is split into blocks of this many lines."""
PIECE_CHARS = 600
"""The growing tail is frozen into a finished piece once it is about this long."""
ECHO_WAIT_S = 0.005
"""How often a draw held back for a key's echo looks again."""


def _size(count: int) -> str:
    return f"{count} B" if count < 1024 else f"{count / 1024:.1f} KiB"


class MessageView(Vertical, can_focus=True):
    """A user message as plain text, or an assistant reply as Markdown with its ending.

    Focused (Ctrl+O, then ↑/↓), it takes the keys that act on one message.
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings("message")

    DEFAULT_CSS = """
    MessageView { height: auto; padding: 0; margin-bottom: 1; }
    MessageView > * { padding: 0 1; }
    MessageView:focus { background: $boost; border-left: thick $accent; }
    MessageView:focus > * { padding-left: 0; }
    MessageView > .role { text-style: bold; }
    MessageView > .attachments, MessageView > .images { color: $text-muted; }
    MessageView > .piece { height: auto; }
    /* Rich drops the blank line after a piece's last block; put it back between pieces. */
    MessageView > .piece.-continued { margin-top: 1; }
    MessageView > ToolRound { margin-top: 1; }
    MessageView > Collapsible { margin: 0; padding: 0 1; border: none; }
    """

    def __init__(
        self,
        message: ChatMessage,
        *,
        live: bool = False,
        title: str | None = None,
        pictures: PictureCache | None = None,
    ) -> None:
        """`title` replaces the line naming who wrote the message; `pictures` draws its
        images (without it, only their names are shown)."""
        super().__init__(classes="-user" if message.role is Role.USER else "-assistant")
        self.message = message
        self.pictures = pictures
        self.live = live
        self.title = title
        self._pending_text: list[str] = []
        self._pending_reasoning = False
        self._reasoning = message.reasoning
        self._flush_timer: Timer | None = None
        self._last_flush = 0.0
        self._frame = FRAME_S
        self._tail_text = message.content or message.refusal
        self._fed = len(self._tail_text)
        """Characters of the reply this view has been given (built in or fed)."""
        self.code_index = 0
        """Which code block `b` copies next."""
        self._text_before_tail = ""
        self._tail_prefix = ""
        """Drawn before the tail, not part of the text: the fence of a code block that a
        cut split (see `open_fence_cut`)."""
        self._tail: Piece | None = None
        self._done: PieceStack | None = None
        """The frozen pieces of the round the tail shows, once there are any."""
        self.round = len(message.steps)
        """The round of the reply the tail shows (earlier rounds called tools)."""
        self._tools: ToolRound | None = None
        """The tool calls of the round the tail shows, once it made some."""
        self._prompt: PromptInput | None = None
        """For a live reply, the screen's message box: keys typed there are painted
        before this view's next draw."""

    def compose(self) -> ComposeResult:
        message = self.message
        if message.role is Role.USER:
            yield Caption("You", classes="role")
            yield Passage(make_inert(message.content), markup=False, classes="user-text")
            if message.attachments:
                chips = "  ".join(
                    f"📎 {make_inert(a.name)} ({_size(len(a.text.encode()))})"
                    for a in message.attachments
                )
                yield Caption(chips, markup=False, classes="attachments")
            if message.images:
                yield Caption(image_chips(message.images), markup=False, classes="images")
                if self.pictures is not None:
                    for ref in message.images:
                        yield PictureView(ref, self.pictures)
            return
        who = f"{message.provider or 'assistant'} · {message.model or ''}".rstrip(" ·")
        if self.title is not None:
            who = self.title
        elif message.alternatives:
            count = len(message.alternatives) + 1
            who += f"  ⇄ version {message.version + 1} of {count} ([ ] to step)"
        yield Caption(make_inert(who), markup=False, classes="role")
        if self._reasoning:
            self._pending_reasoning = False
            yield self._reasoning_block(self._reasoning)
        for step in message.steps:
            if step.text:
                yield Piece(self._markdown(step.text))
            yield ToolRound([CallView.of(call) for call in step.calls], self.pictures)
        # Text that arrived between mounting and composing is drawn with the rest.
        self._tail_text += "".join(self._pending_text)
        self._pending_text.clear()
        self._tail = Piece(self._markdown(self._tail_text))
        yield self._tail
        if message.tool_calls:
            live = self.live  # a reply still going: its calls are where the run has them
            self._tools = ToolRound(
                [
                    CallView.of(c, (c.phase or "streaming") if live else "")
                    for c in message.tool_calls
                ],
                self.pictures,
            )
            yield self._tools
        yield Caption("", markup=False, classes="finish")

    def render_lines(self, crop: Region) -> list[Strip]:
        # Only background shows around the parts (their own padding included), so its rows
        # are blank strips; the styles cache, emptied by a live reply's growth on every
        # frame, is needed only for the focus bar (as Textual's `BLANK` widgets do).
        if self.has_focus:
            return super().render_lines(crop)
        return [Strip.blank(crop.width, self.visual_style.rich_style)] * crop.height

    def on_mount(self) -> None:
        if self.message.role is Role.ASSISTANT and not self.live:
            self.show_finish()
        if self.live:
            self._prompt = next(iter(self.screen.query(PromptInput)), None)

    @staticmethod
    def _reasoning_block(text: str) -> Collapsible:
        # Made only for replies that have reasoning: most have none, and every widget
        # costs style and layout work when a long conversation opens.
        return Collapsible(
            Passage(make_inert(text), markup=False, classes="reasoning-text"),
            title="Reasoning",
            collapsed=True,
            classes="reasoning",
        )

    def _markdown(self, text: str) -> Markdown:
        return render_markdown(text, dark=self.app.current_theme.dark)

    def action_move(self, step: int) -> None:
        """Move the focus to the previous or next message."""
        views = list(self.parent.query_children(MessageView)) if self.parent else []
        index = views.index(self) + step
        if 0 <= index < len(views):
            views[index].focus()
            views[index].scroll_visible()

    def action_toggle_tools(self) -> None:
        """Expand or collapse the results of this reply's tool calls."""
        for tools in self.query_children(ToolRound):
            tools.toggle_all()

    async def show_tools(self, round_index: int, calls: tuple[CallView, ...]) -> None:
        """Draw the tool calls of round `round_index` as they stand."""
        if round_index < self.round or self._tail is None:
            return  # an old snapshot, or not composed yet (compose draws the message's)
        if round_index > self.round:
            await self.next_round(round_index)
        if self._tools is None:
            self._tools = ToolRound(pictures=self.pictures)
            await self.mount(self._tools, before=self.query_one(".finish"))
        await self._tools.sync(calls)

    async def next_round(self, round_index: int) -> None:
        """The reply's next round began: what is drawn stays, its text starts below."""
        if self._tail is None or round_index <= self.round:
            return
        if self._flush_timer is not None:
            self._flush_timer.stop()
        await self._flush(everything=True)
        self.round = round_index
        self._tools = None
        self._text_before_tail = self._tail_text = self._tail_prefix = ""
        self._fed = 0
        self._done = None
        self._tail = Piece(self._markdown(""), classes="piece -after-tools")
        await self.mount(self._tail, before=self.query_one(".finish"))

    def action_leave(self) -> None:
        """Back to the message box."""
        self.screen.query_one("#prompt").focus()

    @property
    def shown_text(self) -> str:
        """The reply text rendered so far, all pieces together."""
        return self._text_before_tail + self._tail_text

    def feed_text(self, text: str, end: int | None = None) -> None:
        """Queue reply text for the next frame. `end` is where the text ends in the whole
        reply: a view built from the message after the text was folded in already shows
        it, and takes only what is new."""
        if end is not None:
            new = end - self._fed
            if new <= 0:
                return
            text = text[-new:] if new < len(text) else text
            self._fed = end
        else:
            self._fed += len(text)
        self._pending_text.append(text)
        self._schedule()

    def feed_reasoning(self, reasoning: str) -> None:
        """The reasoning so far (all of it): shown as of the next frame."""
        self._reasoning = reasoning
        self._pending_reasoning = True
        self._schedule()

    def set_status(self, text: str, css: str = "-live") -> None:
        """The line under the reply: live counters, or how it ended. (A view whose
        children are not mounted yet is skipped: the next tick will set it.)"""
        for line in self.query(".finish").results(Caption):
            line.say(text)
            line.set_classes(f"finish {css}")

    def show_finish(self) -> None:
        """Show the finish reason and token counts of `message`."""
        text, css = finish_label(self.message)
        self.set_status(text, css)

    async def finish(self) -> None:
        """Render everything still queued and show how the reply ended."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
        await self._flush(everything=True)
        self.live = False
        self.show_finish()

    def _schedule(self) -> None:
        # Leading edge: text after a quiet frame shows at once (first-token latency),
        # drawn right here when it needs no new widget; text arriving within the frame
        # after it waits for one batched flush.
        if self._flush_timer is not None:
            return
        wait = self._frame - (time.monotonic() - self._last_flush)
        if self._echo_pending():
            wait = max(wait, ECHO_WAIT_S)
        elif wait <= 0 and not self._pending_reasoning and self._write_tail():
            return
        # (A zero-delay Textual timer divides by zero, so wait at least 1 ms.)
        self._flush_timer = self.set_timer(max(0.001, wait), self._flush)

    def _take_pending(self, limit: int | None = None) -> str:
        """The queued text (at most `limit` characters of it; the rest stays queued),
        and the frame length its arrival rate calls for."""
        now = time.monotonic()
        batch = "".join(self._pending_text)
        self._pending_text.clear()
        if limit is not None and len(batch) > limit:
            self._pending_text.append(batch[limit:])
            batch = batch[:limit]
        rate = len(batch) / max(now - self._last_flush, FRAME_S)
        self._frame = BUSY_FRAME_S if rate >= BUSY_CHARS_PER_S else FRAME_S
        self._last_flush = now
        return batch

    def _write_tail(self) -> bool:
        """Draw the queued text if it only grows the tail; False if it needs a new piece
        (or the view has not been composed yet)."""
        if self._tail is None:
            return False
        size = len(self._tail_text) + sum(map(len, self._pending_text))
        if size > PIECE_CHARS:
            return False
        self._tail_text += self._take_pending()
        self._tail.show(self._markdown(self._tail_prefix + self._tail_text))
        return True

    def _echo_pending(self) -> bool:
        """Whether a key typed in the message box waits to be painted."""
        return self._prompt is not None and self._prompt.echo_pending

    async def _flush(self, *, everything: bool = False) -> None:
        self._flush_timer = None
        if not everything and self._echo_pending():
            self._flush_timer = self.set_timer(ECHO_WAIT_S, self._flush)
            return
        if self._tail is None:  # mounted this instant: `compose` takes what is queued
            if not everything:
                self._flush_timer = self.set_timer(FRAME_S, self._flush)
            return
        if self._pending_reasoning:
            self._pending_reasoning = False
            if self.query(".reasoning"):
                self.query_one(".reasoning-text", Static).update(make_inert(self._reasoning))
            else:
                await self.mount(self._reasoning_block(self._reasoning), after=".role")
        if self._pending_text and not self._write_tail():
            await self._write(self._take_pending(None if everything else FRAME_CHARS))
            if self._pending_text:  # more than a frame's worth: the rest next frame
                self._flush_timer = self.set_timer(BUSY_FRAME_S, self._flush)
        else:
            self._last_flush = time.monotonic()

    async def _write(self, batch: str) -> None:
        assert self._tail is not None
        text = self._tail_text + batch
        # Cuts are found in the text as rendered: with the reopened fence, if any.
        full = self._tail_prefix + text
        shown = len(self._tail_prefix)
        closer = ""
        cut = last_safe_cut(full, start=shown + len(self._tail_text))
        prefix = ""
        if cut is None and (split := open_fence_cut(full, CODE_LINES_PER_PIECE)) is not None:
            cut, prefix, closer = split
        if cut is None or cut <= shown:
            self._tail_text = text
            self._tail.show(self._markdown(full))
            return
        # The tail up to the cut joins the finished pieces; the rest is the new tail. All
        # of it before the first `await`: text drawn meanwhile must find it done.
        mounting = self._done is None
        if self._done is None:
            self._done = PieceStack(classes=f"piece{' -after-tools' if self.round else ''}")
            self._tail.set_classes("piece -continued")
        self._done.add(self._markdown(full[:cut] + closer), code_goes_on=bool(closer))
        self._text_before_tail += full[shown:cut]
        self._tail_text = full[cut:]
        self._tail_prefix = prefix
        self._tail.show(self._markdown(self._tail_prefix + self._tail_text))
        if mounting:
            await self.mount(self._done, before=self._tail)
