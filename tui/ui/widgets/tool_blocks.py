"""Tool calls in the message pane: what was called, where, with what, and what came back.

A `ToolRound` holds the calls of one round of a reply, one `ToolCallBlock` each. A
block shows the tool and its server, the arguments (as streamed, then pretty), how the
call stands (asking, running, done, refused) and the result collapsed to a few lines
with its size and duration; a click (or `x` on the focused message) expands it. All
text from a tool is made inert, like model text. A block's text is one widget drawn
line by line (`CallLines`): each widget in the pane costs layout work on every frame,
and a tool's result appears in the middle of a reply.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical

from tui.domain import ImageRef, ToolCallRecord, ToolResult
from tui.inert import make_inert
from tui.ui.widgets.call_lines import CallLines
from tui.ui.widgets.image_view import TOOL_ROWS, PictureView, chips
from tui.ui.widgets.pieces import Caption

if TYPE_CHECKING:
    from tui.ui.pictures import PictureCache

SHOWN_LINES = 4
"""Lines of a result shown while it is collapsed."""
COMPACT_ARGUMENTS = 100
"""Arguments up to this long are shown on one line; longer ones as indented JSON."""
ARGUMENT_LINES = 12
"""Lines of the arguments shown in the pane (the approval dialog shows them all)."""
COLLAPSED_CHARS = 400
"""The most of a result a collapsed block draws (a result may be one very long line)."""
EXPANDED_CHARS = 40_000
"""The most of a result an expanded block draws."""


@dataclass(frozen=True, slots=True)
class CallView:
    """One call as a block draws it (from a saved record or a live call)."""

    id: str
    name: str
    arguments: str
    server: str
    result: ToolResult | None
    phase: str = ""
    """"streaming" (arguments arriving), "asking", "running", "done", or "" (a saved
    call, or one of a reply that has ended)."""

    @classmethod
    def of(cls, call: ToolCallRecord, phase: str = "") -> CallView:
        return cls(call.id, call.name, call.arguments, call.server, call.result, phase)


def size_words(count: int) -> str:
    """`123 B`, `4.5 KiB`, `1.2 MiB` for a count of characters."""
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / 1024 / 1024:.1f} MiB"


def pretty_json(text: str) -> str:
    """Indented JSON, or the text as it is when it is not (yet) JSON."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (json.JSONDecodeError, ValueError):
        return text


def compact_json(text: str) -> str:
    """JSON on one line (as sent, when it is not JSON)."""
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except (json.JSONDecodeError, ValueError):
        return text


def _cut_lines(text: str, lines: int) -> tuple[str, int]:
    """The first `lines` lines of `text`, and how many more there are."""
    parts = text.split("\n", lines)
    if len(parts) <= lines:
        return text, 0
    return "\n".join(parts[:lines]), text.count("\n") + 1 - lines


class ToolCallBlock(Vertical):
    """One tool call and its result: its text in one `CallLines`, and the result's images
    (if any) under it."""

    DEFAULT_CSS = """
    ToolCallBlock { height: auto; border-left: outer $secondary; margin: 0 0 1 0; }
    ToolCallBlock.-error { border-left: outer $error; }
    /* The padding is the children's own: a row is then one piece for the compositor. */
    ToolCallBlock > CallLines { padding: 0 1; }
    ToolCallBlock > .tool-images { height: auto; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, call: CallView, pictures: PictureCache | None = None) -> None:
        super().__init__(classes="tool-call")
        self.call = call
        self.expanded = False
        self.pictures = pictures
        self._images: list[ImageRef] = []
        self.lines = CallLines()
        self.shown_result = ""
        """The part of the result drawn (all of it up to a limit when expanded)."""
        self.hint = ""
        """The line under the result: how much more there is, or how to collapse it."""

    def compose(self) -> ComposeResult:
        yield self.lines

    def on_mount(self) -> None:
        self._draw()

    def update_call(self, call: CallView) -> None:
        """Redraw for the call as it is now (only when something changed)."""
        if call != self.call:
            self.call = call
            if self.is_mounted:
                self._draw()

    def toggle(self) -> None:
        """Show the whole result, or only its first lines."""
        self.expanded = not self.expanded
        self._draw()

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.toggle()

    @property
    def head_text(self) -> str:
        """The block's first line: the tool, its server, and how the call stands."""
        call = self.call
        where = f" · {call.server}" if call.server else ""
        return f"⚙ {make_inert(call.name) or 'tool'}{where}  {self._standing()}"

    def _standing(self) -> str:
        call, result = self.call, self.call.result
        if result is not None:
            took = f" in {result.duration_s:.2f} s" if result.duration_s is not None else ""
            mark = "✗ error" if result.is_error else "✓"
            return f"{mark} {size_words(len(result.text))}{took}"
        return {
            "streaming": "calling…",
            "asking": "waiting for your approval…",
            "running": "running… (Esc stops it)",
        }.get(call.phase, "not run")

    def _draw(self) -> None:
        call, result = self.call, self.call.result
        failed = result is not None and result.is_error
        self.set_class(failed, "-error")
        arguments = compact_json(call.arguments)
        if len(arguments) > COMPACT_ARGUMENTS:
            arguments, hidden = _cut_lines(pretty_json(call.arguments), ARGUMENT_LINES)
            if hidden:
                arguments += f"\n… {hidden} more lines"
        shown, hidden = "", 0
        if result is not None:
            text = result.text.strip("\n")
            if self.expanded:
                shown = text[:EXPANDED_CHARS]
            else:
                shown, _ = _cut_lines(text, SHOWN_LINES)
                if len(shown) > COLLAPSED_CHARS:
                    shown = shown[:COLLAPSED_CHARS] + "…"
                hidden = max(0, len(text) - len(shown))
        self.shown_result = make_inert(shown)
        self.hint = ""
        if hidden:
            self.hint = f"… {size_words(hidden)} more (click, or x on the message, to expand)"
        elif self.expanded:
            self.hint = "(click, or x on the message, to collapse)"
        self.lines.show(
            self.head_text,
            make_inert(arguments),
            self.shown_result,
            self.hint,
            failed=failed,
        )
        self._draw_images(result.images if result is not None else [])

    def _draw_images(self, images: list[ImageRef]) -> None:
        """The result's images, small, under its text (drawn again only if they changed)."""
        if images == self._images:
            return
        self._images = list(images)
        for box in self.query_children(".tool-images"):
            box.remove()
        if images:
            pictures = self.pictures
            shown = [PictureView(r, pictures, rows=TOOL_ROWS) for r in images] if pictures else []
            chip = Caption(chips(images), markup=False)
            self.mount(Vertical(chip, *shown, classes="tool-images"))


class ToolRound(Vertical):
    """The calls of one round of a reply, in the order the model made them."""

    DEFAULT_CSS = "ToolRound { height: auto; margin: 1 0 0 0; }"

    def __init__(
        self, calls: Sequence[CallView] = (), pictures: PictureCache | None = None
    ) -> None:
        super().__init__(classes="tool-round")
        self._initial = list(calls)
        self.pictures = pictures

    def compose(self) -> ComposeResult:
        for call in self._initial:
            yield ToolCallBlock(call, self.pictures)

    async def sync(self, calls: Sequence[CallView]) -> None:
        """Show exactly `calls`: update the blocks there are, add the new ones."""
        blocks = list(self.query_children(ToolCallBlock))
        for block, call in zip(blocks, calls, strict=False):
            block.update_call(call)
        if len(calls) > len(blocks):
            added = [ToolCallBlock(call, self.pictures) for call in calls[len(blocks) :]]
            await self.mount_all(added)

    def toggle_all(self) -> None:
        """Expand every result, or collapse them all if all are expanded."""
        blocks = list(self.query_children(ToolCallBlock))
        expand = not all(block.expanded for block in blocks)
        for block in blocks:
            if block.expanded != expand:
                block.toggle()
