"""Rows of rendered text that mouse selection works on, and what a selection copies.

Textual selects text only in its own `Content`; a Rich renderable is drawn as cells with
no idea which characters they hold. Here each rendered row keeps its text, each text
segment is tagged with its offset in that text (which is how Textual maps the mouse to
characters) and the selection is drawn over it. The copy leaves out gutter cells and
joins soft-wrapped rows (see `markdown_rows`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.strip import Strip

from tui.ui.markdown_rows import EXACT_JOIN, GUTTER, GUTTER_KEY, SOFT_KEY

if TYPE_CHECKING:
    from textual.selection import Selection


class Row(NamedTuple):
    """One drawn row: its segments (text ones tagged with offsets) and what it copies as."""

    segments: list[Segment]
    text: str | None
    """The characters a copy takes from it; None for a row of gutter only."""
    joiner: str | None
    """None when the row starts a line; else it continues the row above, joined by this."""


def _meta(style: RichStyle | None) -> dict[str, object]:
    return style.meta if style is not None and style._meta is not None else {}


def _tagged(text: str, style: RichStyle | None, x: int, y: int) -> Segment:
    tag = RichStyle.from_meta({"offset": (x, y)})
    return Segment(text, style + tag if style else tag)


def rows_of(lines: list[list[Segment]], first_y: int = 0) -> list[Row]:
    """`lines` as rows whose segments carry offsets for Textual's selection (the first
    row is row `first_y` of its widget).

    Text segments are tagged with their offset in the row's text. Every row starts with
    an empty tagged segment, so a press on a blank row lands on that row (not on the
    whole widget); gutter cells before text are tagged one by one with the offset of
    the text after them, so a press on a code block's padding or a quote's bar lands at
    the start of its line. In a soft row only the soft text counts: a list's indent
    before a wrapped line is drawn, not copied.
    """
    rows: list[Row] = []
    for y, line in enumerate(lines, first_y):
        joiner = next((str(m[SOFT_KEY]) for _, s, _ in line if SOFT_KEY in (m := _meta(s))), None)
        kinds = [
            "control" if control
            else "gutter" if GUTTER_KEY in (meta := _meta(style))
            or (joiner is not None and SOFT_KEY not in meta)
            else "text"
            for _, style, control in line
        ]  # fmt: skip
        last_text = max((i for i, kind in enumerate(kinds) if kind == "text"), default=-1)
        segments = [_tagged("", None, 0, y)]
        parts: list[str] = []
        x = 0
        for index, ((text, style, control), kind) in enumerate(zip(line, kinds, strict=True)):
            if kind == "text":
                segments.append(_tagged(text, style, x, y))
                parts.append(text)
                x += len(text)
            elif kind == "gutter":
                marked = style + GUTTER if style else GUTTER
                if index < last_text:
                    segments += [_tagged(cell, marked, x, y) for cell in text]
                else:
                    segments.append(Segment(text, marked))
            else:
                segments.append(Segment(text, style, control))
        gutter_only = last_text < 0 and any(line)
        rows.append(Row(segments, None if gutter_only else "".join(parts), joiner))
    return rows


def uncopied_row(line: list[Segment], y: int, text: str | None) -> Row:
    """`line` as row `y` that a copy takes as `text` (None: nothing, "": a blank line):
    only its start is tagged (a press on it lands on the row), not each of its cells,
    which for an image's row is every cell."""
    return Row([_tagged("", None, 0, y), *line], text, None)


def copied_text(rows: list[Row], selection: Selection) -> str:
    """What `selection` covers in `rows`, as a person would type it out."""
    if not rows:
        return ""
    first, last = selection.start, selection.end
    start_y, start_x = (first.y, first.x) if first is not None else (0, 0)
    end_y = last.y if last is not None else len(rows) - 1
    out: list[str] = []
    for y in range(start_y, min(end_y, len(rows) - 1) + 1):
        row = rows[y]
        if row.text is None:
            continue
        end_x = last.x if last is not None and y == end_y else len(row.text)
        part = row.text[start_x if y == start_y else 0 : end_x]
        if out and row.joiner == EXACT_JOIN:
            out[-1] += part
        elif out and row.joiner is not None:
            out[-1] = out[-1].rstrip() + row.joiner + part.lstrip()
        else:
            out.append(part)
    return "\n".join(line.rstrip() for line in out)


def _select(row: Row, y: int, start: int, end: int, style: RichStyle) -> list[Segment]:
    """`row`'s segments with characters `start`..`end` of its text drawn in `style` (a
    segment cut in parts gives each part its own offset, or the mouse would map wrong)."""
    out: list[Segment] = []
    x = 0
    for segment in row.segments:
        text, seg_style, control = segment
        meta = _meta(seg_style)
        if "offset" not in meta or GUTTER_KEY in meta or control or not text:
            out.append(segment)
            continue
        low, high = max(start - x, 0), min(end - x, len(text))
        if low >= high:
            out.append(segment)
            x += len(text)
            continue
        for cut, stop, selected in ((0, low, False), (low, high, True), (high, len(text), False)):
            if cut < stop:
                drawn = seg_style + style if selected and seg_style else seg_style
                out.append(_tagged(text[cut:stop], style if drawn is None else drawn, x + cut, y))
        x += len(text)
    return out


def drawn_row(row: Row, y: int, selection: Selection | None, highlight: RichStyle | None) -> Strip:
    """Row `y` as a strip, with the part `selection` covers drawn in `highlight`."""
    span = selection.get_span(y) if selection and highlight and row.text else None
    if span is None or row.text is None or highlight is None:
        return Strip(row.segments)
    start, end = span
    return Strip(_select(row, y, start, len(row.text) if end == -1 else end, highlight))
