"""`MessageView`: one message in the message pane, and for a streaming reply, its live
rendering. Not a widget: the pane draws the rows of the messages on screen.

Chunks are not rendered one by one: `feed_text` collects them and a flush at most once
per frame renders the batch. A reply is a column of Markdown `Piece`s: finished pieces
never change again (their rows are kept per width), and only the growing tail is
re-parsed each frame. The tail is frozen into a piece at a safe block boundary (see
`markdown_split`) once it is about `PIECE_CHARS` long, so the cost of a reply stays
linear in its length.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from typing import TYPE_CHECKING

from tui.domain import ChatMessage, Role
from tui.inert import make_inert
from tui.ui.finish_words import finish_label
from tui.ui.markdown_split import last_safe_cut, open_fence_cut
from tui.ui.pictures import chip, size_words
from tui.ui.widgets.message_parts import (
    Caption,
    Look,
    Part,
    Passage,
    Picture,
    Pictures,
    Piece,
    Reasoning,
)
from tui.ui.widgets.tool_blocks import CallView, ToolCallBlock

if TYPE_CHECKING:
    from textual.timer import Timer

    from tui.ui.pictures import PictureCache
    from tui.ui.widgets.message_pane import MessagePane

FRAME_S = 1 / 30
"""Flush interval while text arrives at reading speed."""
BUSY_FRAME_S = 0.1
"""Flush interval while text arrives faster than anyone reads."""
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
MESSAGE_ROWS = 20
"""The most rows an image under a question takes."""

FINISH_COMPONENTS = {
    "-live": "message--live",
    "-warning": "message--warning",
    "-error": "message--error",
}
"""The style of the finish line by how the reply stands (others: `message--finish`)."""


class MessageView:
    """A user message as plain text, or an assistant reply as Markdown with its ending."""

    def __init__(
        self,
        message: ChatMessage,
        *,
        live: bool = False,
        title: str | None = None,
        pictures: PictureCache | None = None,
    ) -> None:
        """`title` replaces the line naming who wrote the message ("" leaves it out);
        `pictures` draws its images (without it, only their names are shown)."""
        self.message = message
        self.pictures = pictures
        self.live = live
        self.title = title
        self.host: MessagePane | None = None
        """The pane drawing it, once added to one."""
        self._pending_text: list[str] = []
        self._pending_reasoning = False
        self._reasoning_text = ""
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
        self.round = len(message.steps)
        """The round of the reply the tail shows (earlier rounds called tools)."""
        self.tools: list[ToolCallBlock] = []
        """The tool calls of the round the tail shows."""
        self.reasoning: Reasoning | None = None
        self.finish_line: Caption | None = None
        self.tail: Piece | None = None
        self._parts: list[Part] | None = None
        self._starts: list[int] = []
        self._layout_key: tuple[object, ...] | None = None
        self._height = 0
        if live:
            self._parts = self._build()

    @property
    def parts(self) -> list[Part]:
        """Its parts, top to bottom: made when first needed (when it comes on screen, or
        at once for a live reply), as most messages of a long conversation never are."""
        if self._parts is None:
            self._parts = self._build()
        return self._parts

    # ----------------------------------------------------------------- the parts

    def _build(self) -> list[Part]:
        message = self.message
        parts: list[Part] = []
        if message.role is Role.USER:
            parts.append(Caption("You", "message--you"))
            parts.append(Passage(make_inert(message.content), "message--text"))
            if message.attachments:
                chips = "  ".join(
                    f"📎 {make_inert(a.name)} ({size_words(len(a.text.encode()))})"
                    for a in message.attachments
                )
                parts.append(Caption(chips, "message--muted"))
            if message.images:
                words = "  ".join(
                    make_inert(chip(r.name, r.width, r.height, r.size)) for r in message.images
                )
                parts.append(Caption(words, "message--muted"))
                if self.pictures is not None:
                    shown = [Picture(r, self.pictures, rows=MESSAGE_ROWS) for r in message.images]
                    parts.append(Pictures(shown))
            return parts
        if self.title != "":
            parts.append(Caption(make_inert(self.who), "message--assistant"))
        if message.reasoning:
            self.reasoning = Reasoning(make_inert(message.reasoning))
            parts.append(self.reasoning)
        for index, step in enumerate(message.steps):
            if step.text:
                parts.append(Piece(step.text, margin=1 if index else 0))
            parts += [ToolCallBlock(CallView.of(call), self.pictures) for call in step.calls]
        self.tail = Piece(self._tail_text, margin=1 if message.steps else 0)
        parts.append(self.tail)
        live = self.live  # a reply still going: its calls are where the run has them
        self.tools = [
            ToolCallBlock(CallView.of(c, (c.phase or "streaming") if live else ""), self.pictures)
            for c in message.tool_calls
        ]
        parts += self.tools
        text, css = ("", "-live") if live else finish_label(message)
        self.finish_line = Caption(text, FINISH_COMPONENTS.get(css, "message--finish"))
        parts.append(self.finish_line)
        return parts

    @property
    def who(self) -> str:
        """The reply's first line: who wrote it (and which version it is)."""
        message = self.message
        if self.title:
            return self.title
        who = f"{message.provider or 'assistant'} · {message.model or ''}".rstrip(" ·")
        if message.alternatives:
            count = len(message.alternatives) + 1
            who += f"  ⇄ version {message.version + 1} of {count} ([ ] to step)"
        return who

    @property
    def finish_text(self) -> str:
        """The line under a reply: live counters, or how it ended ("" for a question)."""
        line = self.finish_line if self.parts else None
        return line.text if line is not None else ""

    def _insert(self, part: Part) -> None:
        """Add `part` before the finish line."""
        at = self.parts.index(self.finish_line) if self.finish_line else len(self.parts)
        self.parts.insert(at, part)

    def changed(self) -> None:
        """Something it draws changed: laid out again, and its pane repaints."""
        self._layout_key = None
        if self.host is not None:
            self.host.view_changed(self)

    # ----------------------------------------------------------------- layout

    def height(self, width: int, look: Look) -> int:
        """Its rows at `width`, the blank row under it included."""
        self._lay_out(width, look)
        return self._height

    def _lay_out(self, width: int, look: Look) -> None:
        key = (width, id(look))
        if key == self._layout_key:
            return
        self._starts, y = [], 0
        after_call = False
        for part in self.parts:
            height = part.height(width, look)
            # A blank row after a tool call; none before a part with nothing to draw.
            y += max(part.margin, int(after_call)) if height else 0
            self._starts.append(y)
            y += height
            after_call = isinstance(part, ToolCallBlock) or (after_call and not height)
        self._height, self._layout_key = y + 1, key

    def part_at(self, y: int, width: int, look: Look) -> tuple[Part, int] | None:
        """The part drawn at row `y` of the view and the row where it starts, or None
        for a blank row between parts."""
        self._lay_out(width, look)
        index = bisect_right(self._starts, y) - 1
        if index < 0:
            return None
        part, start = self.parts[index], self._starts[index]
        if y - start >= part.height(width, look):
            return None
        return part, start

    def spans(self, width: int, look: Look) -> list[tuple[Part, int]]:
        """Each part and the row of the view it starts at."""
        self._lay_out(width, look)
        return list(zip(self.parts, self._starts, strict=True))

    # ----------------------------------------------------------------- tools

    def toggle_tools(self) -> None:
        """Expand every tool result, or collapse them all if all are expanded."""
        blocks = [p for p in self.parts if isinstance(p, ToolCallBlock)]
        expand = not all(block.expanded for block in blocks)
        for block in blocks:
            if block.expanded != expand:
                block.toggle()
        self.changed()

    def show_tools(self, round_index: int, calls: tuple[CallView, ...]) -> None:
        """Draw the tool calls of round `round_index` as they stand."""
        if round_index < self.round:
            return  # an old snapshot
        if round_index > self.round:
            self.next_round(round_index)
        changed = False
        for block, call in zip(self.tools, calls, strict=False):
            changed = block.update_call(call) or changed
        for call in calls[len(self.tools) :]:
            block = ToolCallBlock(call, self.pictures)
            self.tools.append(block)
            self._insert(block)
            changed = True
        if changed:
            self.changed()

    def next_round(self, round_index: int) -> None:
        """The reply's next round began: what is drawn stays, its text starts below."""
        if self.tail is None or round_index <= self.round:
            return
        if self._flush_timer is not None:
            self._flush_timer.stop()
        self._flush(everything=True)
        self.round = round_index
        self.tools = []
        self._text_before_tail = self._tail_text = self._tail_prefix = ""
        self._fed = 0
        self.tail = Piece("", margin=1)
        self._insert(self.tail)
        self.changed()

    # ----------------------------------------------------------------- streaming

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
        if self.reasoning is None:
            self.reasoning = Reasoning("")
            self.parts.insert(1 if self.title != "" else 0, self.reasoning)
        self._reasoning_text = reasoning  # made inert when drawn: once a frame, not a chunk
        self._pending_reasoning = True
        self._schedule()

    def set_status(self, text: str, css: str = "-live") -> None:
        """The line under the reply: live counters, or how it ended."""
        line = self.finish_line
        if line is not None and line.say(text, FINISH_COMPONENTS.get(css, "message--finish")):
            self.changed()

    def show_finish(self) -> None:
        """Show the finish reason and token counts of `message`."""
        self.set_status(*finish_label(self.message))

    def finish(self) -> None:
        """Render everything still queued and show how the reply ended."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
        self._flush(everything=True)
        self.live = False
        self.show_finish()

    def _schedule(self) -> None:
        # Leading edge: text after a quiet frame shows at once (first-token latency);
        # text arriving within the frame after it waits for one batched flush.
        if self._flush_timer is not None or self.host is None:
            return
        wait = self._frame - (time.monotonic() - self._last_flush)
        if self.host.echo_pending:
            wait = max(wait, ECHO_WAIT_S)
        elif wait <= 0:
            self._flush()
            return
        # (A zero-delay Textual timer divides by zero, so wait at least 1 ms.)
        self._flush_timer = self.host.set_timer(max(0.001, wait), self._flush)

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

    def _flush(self, *, everything: bool = False) -> None:
        self._flush_timer = None
        host = self.host
        if not everything and host is not None and host.echo_pending:
            self._flush_timer = host.set_timer(ECHO_WAIT_S, self._flush)
            return
        if self._pending_reasoning and self.reasoning is not None:
            self._pending_reasoning = False
            self.reasoning.show(make_inert(self._reasoning_text))
        if self._pending_text:
            self._write(self._take_pending(None if everything else FRAME_CHARS))
            if self._pending_text and host is not None:  # the rest next frame
                self._flush_timer = host.set_timer(BUSY_FRAME_S, self._flush)
        else:
            self._last_flush = time.monotonic()
        self.changed()

    def _write(self, batch: str) -> None:
        tail = self.tail
        if tail is None:
            return
        text = self._tail_text + batch
        # Cuts are found in the text as rendered: with the reopened fence, if any.
        full = self._tail_prefix + text
        shown = len(self._tail_prefix)
        closer = ""
        cut = None
        if len(full) > PIECE_CHARS:
            cut = last_safe_cut(full, start=shown + len(self._tail_text))
            prefix = ""
            if cut is None and (split := open_fence_cut(full, CODE_LINES_PER_PIECE)):
                cut, prefix, closer = split
        if cut is None or cut <= shown:
            self._tail_text = text
            tail.show(full)
            return
        # The tail up to the cut becomes a finished piece; the rest is the new tail.
        done = Piece(full[:cut] + closer, margin=tail.margin)
        done.ending = "\n" if closer else "\n\n"
        self.parts.insert(self.parts.index(tail), done)
        tail.margin = 0 if closer else 1  # a code block going on: no blank row between
        self._text_before_tail += full[shown:cut]
        self._tail_text = full[cut:]
        self._tail_prefix = prefix
        tail.show(self._tail_prefix + self._tail_text)
