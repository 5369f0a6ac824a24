"""Where a streaming Markdown text can be cut into independently rendered pieces.

A reply renders as a column of pieces: finished ones that never change again, and one
growing tail. Re-parsing and re-laying out only the tail keeps the cost of a
long reply linear. A cut is safe at a blank line outside a code fence, when the next
line is not indented (an indented line could continue a list item or a code block).
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def last_safe_cut(text: str, start: int = 0) -> int | None:
    """The index of the last safe cut in `text` after `start`, or None.

    The text before the index is a complete run of Markdown blocks; the text after it
    starts a new top-level block.
    """
    fence: str | None = None
    best: int | None = None
    offset = 0
    previous_blank = False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        indented = line[:1] in (" ", "\t")
        if fence is None and previous_blank and offset > start and stripped and not indented:
            best = offset
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
        previous_blank = fence is None and not stripped
        offset += len(line)
    return best


def open_fence_cut(text: str, max_lines: int) -> tuple[int, str, str] | None:
    """Where to close a code block still open at the end of `text`, once it has more
    than `max_lines` complete lines: (the index after its last complete line, the fence
    line that reopens it in the next piece, the fence that closes it in this one).

    A 10,000-line code block would otherwise be one growing tail, highlighted again
    each frame; shown as 100-line blocks one under another, it costs a piece at a time.
    """
    fence: str | None = None
    opener = closer = ""
    lines = 0
    offset = last_line_end = 0
    for line in text.splitlines(keepends=True):
        complete = line.endswith(("\n", "\r"))
        match = _FENCE.match(line)
        if fence is None:
            if match and complete:
                fence, opener, lines = match.group(1)[0] * 3, line, 0
                closer = match.group(1) + "\n"
        elif match and match.group(1).startswith(fence):
            fence = None
        elif complete:
            lines += 1
        offset += len(line)
        if complete:
            last_line_end = offset
    if fence is None or lines <= max_lines:
        return None
    return last_line_end, opener, closer


def code_blocks(text: str) -> list[str]:
    """The contents of each fenced code block in `text`, in order (fences left out)."""
    blocks: list[str] = []
    fence: str | None = None
    current: list[str] = []
    for line in text.splitlines(keepends=True):
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)[0] * 3
                current = []
        elif match and match.group(1).startswith(fence) and not line.strip()[len(match.group(1)) :]:
            blocks.append("".join(current))
            fence = None
        else:
            current.append(line)
    if fence is not None and current:
        blocks.append("".join(current))  # an unclosed block still counts (cut-off reply)
    return blocks
