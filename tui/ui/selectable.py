"""`SelectableLines`: a Rich renderable as a Textual visual that mouse selection works on.

Textual selects text only in its own `Content`; a Rich renderable is drawn as cells with
no idea which characters they hold. This visual renders the renderable once per width
(Textual asks twice per layout pass, and again on every reflow), keeps each row's text,
tags each text segment with its offset in that text (which is how Textual maps the
mouse to characters) and draws the selection over it. The copy leaves out gutter cells
and joins soft-wrapped rows (see `markdown_rows`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.geometry import Size
from textual.strip import Strip
from textual.style import Style as TextualStyle
from textual.visual import Visual
from textual.widget import Widget

from tui.ui.markdown_rows import EXACT_JOIN, GUTTER, GUTTER_KEY, SOFT_KEY

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.css.styles import RulesMap
    from textual.selection import Selection
    from textual.style import Style
    from textual.visual import RenderOptions


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


class SelectableLines(Visual):
    """`renderable`, rendered once per width and style, selectable with the mouse."""

    def __init__(self, widget: Widget, renderable: RenderableType) -> None:
        self._widget = widget
        self.renderable = renderable
        self._key: tuple[int, RichStyle, int] | None = None
        self._rows: list[Row] = []

    def rows(self, width: int, first_y: int = 0) -> list[Row]:
        """The rows at `width`, the first being row `first_y` of the widget (rendered
        again only when one of those or the style changes)."""
        base = self._widget.visual_style.rich_style
        if self._key != (width, base, first_y):
            app = self._widget.app
            options = app.console_options.update(width=width, height=None, highlight=False)
            lines = app.console.render_lines(
                self.renderable, options, style=base, pad=False, new_lines=False
            )
            self._rows = rows_of(lines, first_y)
            self._key = (width, base, first_y)
        return self._rows

    @property
    def drawn_rows(self) -> list[Row]:
        """The rows as last drawn (empty before the first draw)."""
        return self._rows

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        highlight = options.selection_style
        rich_highlight = highlight.rich_style if highlight is not None else None
        return [
            drawn_row(row, y, options.selection, rich_highlight)
            for y, row in enumerate(self.rows(width)[:height])
        ]

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return len(self.rows(width))


class RowsWidget(Widget):
    """A widget drawn line by line from rows it lays out (`lay_out`), selectable and
    copied as those rows say; `ending` follows its text in a copy."""

    @property
    def ending(self) -> str:
        """What follows this widget's text in a copy that goes on past it."""
        return "\n\n"

    def lay_out(self, width: int) -> list[Row]:
        """The rows at `width` (kept until something they show changes)."""
        raise NotImplementedError

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lay_out(width))

    def render_line(self, y: int) -> Strip:
        rows = self.lay_out(self.content_size.width)
        if not 0 <= y < len(rows):
            return Strip.blank(self.content_size.width)
        selection = self.text_selection
        highlight = None
        if selection is not None:  # as Textual draws the selection in its own widgets
            styles = self.screen.get_component_styles("screen--selection")
            highlight = TextualStyle.from_styles(styles).rich_style
        return drawn_row(rows[y], y, selection, highlight)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        copied = copied_text(self.lay_out(self.content_size.width), selection)
        return copied.strip("\n"), self.ending

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()
