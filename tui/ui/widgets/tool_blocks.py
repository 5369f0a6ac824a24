"""Tool calls in the message pane: what was called, where, with what, and what came back.

A `ToolCallBlock` is one part of its message (see `message_parts`): the tool and its
server, the arguments (as streamed, then pretty), how the call stands (asking, running,
done, refused) and the result collapsed to a few lines with its size and duration; a
click (or `x` on the focused message) expands it. All text from a tool is made inert,
like model text. The arguments and the result are copied with a blank line between
them; the head and the hint are the app's words and a copy passes over them. Long
lines are folded at the width, as a terminal does (tool output is often JSON or code),
so a copy gives back exactly what the tool returned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.text import Text

from tui.domain import ToolCallRecord, ToolResult
from tui.inert import make_inert
from tui.ui.markdown_rows import GUTTER, SOFT_CODE, fold
from tui.ui.pictures import chip, size_words
from tui.ui.widgets.message_parts import Lines, Look, Part, Picture

if TYPE_CHECKING:
    from tui.ui.pictures import PictureCache

TOOL_ROWS = 8
"""The most rows an image of a tool result takes."""
RULE = "╌"
"""Drawn across the block between the arguments and the result."""

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


class ToolCallBlock(Part):
    """One tool call and its result, with the result's images (if any) under it, drawn
    behind a bar in the colour of how it went."""

    copied = True

    def __init__(self, call: CallView, pictures: PictureCache | None = None) -> None:
        super().__init__(margin=1)
        self.call = call
        self.expanded = False
        self.pictures = pictures
        self.images: list[Picture] = []
        self.shown_result = ""
        """The part of the result drawn (all of it up to a limit when expanded)."""
        self.hint = ""
        """The line under the result: how much more there is, or how to collapse it."""
        self.arguments = ""
        """The arguments as drawn."""
        self._update()

    def update_call(self, call: CallView) -> bool:
        """Redraw for the call as it is now; False when nothing changed."""
        if call == self.call:
            return False
        self.call = call
        self._update()
        return True

    def toggle(self) -> None:
        """Show the whole result, or only its first lines."""
        self.expanded = not self.expanded
        self._update()

    def pictures_wanted(self, *, all_of_them: bool = False) -> list[Picture]:
        return [p for p in self.images if all_of_them or not p.loaded]

    @property
    def failed(self) -> bool:
        """Whether the tool reported an error."""
        return self.call.result is not None and self.call.result.is_error

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

    def _update(self) -> None:
        call, result = self.call, self.call.result
        arguments = compact_json(call.arguments)
        if len(arguments) > COMPACT_ARGUMENTS:
            arguments, hidden = _cut_lines(pretty_json(call.arguments), ARGUMENT_LINES)
            if hidden:
                arguments += f"\n… {hidden} more lines"
        self.arguments = make_inert(arguments)
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
        refs = result.images if result is not None else []
        if [p.ref for p in self.images] != refs and self.pictures is not None:
            self.images = [Picture(ref, self.pictures, rows=TOOL_ROWS) for ref in refs]
        self.changed()

    def draw(self, width: int, look: Look) -> tuple[Lines, list[bool | None]]:
        inner = max(width - 3, 1)  # the bar, a cell each side
        lines: Lines = []
        copied: list[bool | None] = []

        def add(text: str, component: str, copy: bool) -> None:
            style = look.style(component)
            for line in text.split("\n"):
                styled = Text(line)
                styled.stylize(style)  # a span: a Text's own style is not in its segments
                for index, row in enumerate(fold(styled, inner)):
                    segments = list(row.render(look.console, end=""))
                    if index:  # a folded row: the copy joins it to the row above as is
                        segments = [Segment(t, (s or style) + SOFT_CODE, c) for t, s, c in segments]
                    lines.append(segments)
                    copied.append(copy)

        add(self.head_text, "call--head", False)
        add(self.arguments, "call--args", True)
        if self.shown_result:
            lines.append([Segment(RULE * inner, look.style("call--rule") + GUTTER)])
            copied.append(None)  # the blank line between the arguments and the result
            add(self.shown_result, "call--error" if self.failed else "call--result", True)
        if self.hint:
            add(self.hint, "call--more", False)
        result = self.call.result
        if result is not None and result.images:
            refs = result.images
            words = "  ".join(make_inert(chip(r.name, r.width, r.height, r.size)) for r in refs)
            add(words, "message--muted", False)
            for picture in self.images:
                drawn = picture.draw(inner, look)
                lines += drawn
                copied += [False] * len(drawn)
        bar = Segment("▌", look.style("call--bar-error" if self.failed else "call--bar") + GUTTER)
        pad = Segment(" ", GUTTER)
        return [[bar, pad, *line] for line in lines], copied
