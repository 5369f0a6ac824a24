"""The parts of a message as the message pane draws them: rows at a width, no widgets.

A message is a column of parts (who wrote it, its text, a reply's pieces of Markdown,
reasoning, tool calls, images, how it ended). A part renders its lines once per width
and look, and tags them for mouse selection (`rows_of`) at the row where the pane draws
it, so drawing a screenful is looking rows up. Captions are the app's words: drawn,
never copied; text parts copy as written (see `markdown_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style as RichStyle
from rich.text import Text

from tui.ui.markdown_rows import GUTTER, SOFT_FOLD, SOFT_SPACE, render_markdown
from tui.ui.pictures import cell_size, cells_for, image_renderable_class, renderer
from tui.ui.selectable import Row, rows_of, uncopied_row
from tui.ui.sixels import placeholder_lines, prepare, register, rgb

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage
    from rich.console import Console, RenderableType
    from textual.widget import Widget

    from tui.domain import ImageRef
    from tui.ui.pictures import PictureCache

Lines = list[list[Segment]]

BLOCK_END = "\n\n"
"""After a part's text in a copy that goes on: the blank line the screen shows."""


LOOK_COMPONENTS = (
    "message--text", "message--you", "message--assistant", "message--muted",
    "message--finish", "message--live", "message--warning", "message--error",
    "message--reasoning", "message--reasoning-title", "image--missing",
    "call--head", "call--args", "call--result", "call--rule", "call--error", "call--more",
    "call--bar", "call--bar-error",
)  # fmt: skip
"""The component classes of the pane that parts are drawn in."""
LOOK_FILLS = ("message--reasoning-box",)
"""The component classes whose background a part's rows are laid on (see `Part.fill`)."""


def _text_only(style: RichStyle) -> RichStyle:
    """`style` without its background (the pane lays its own under every row)."""
    return RichStyle(
        color=style.color,
        bold=style.bold,
        dim=style.dim,
        italic=style.italic,
        underline=style.underline,
        strike=style.strike,
        reverse=style.reverse,
    )


@dataclass(eq=False)
class Look:
    """What parts are drawn with: the console, the theme's darkness and the pane's
    styles by component name (text colours only: the pane lays the background under)."""

    console: Console
    dark: bool
    styles: dict[str, RichStyle] = field(default_factory=dict)
    fills: dict[str, RichStyle] = field(default_factory=dict)
    """Backgrounds (only) by component name, for parts laid on one."""
    background: tuple[int, int, int] = (0, 0, 0)
    """The pane's background colour (what a Sixel picture's transparency shows)."""

    @classmethod
    def of(cls, widget: Widget) -> Look:
        """The look of `widget`'s `LOOK_COMPONENTS` and `LOOK_FILLS` as its styles say."""
        styles = {n: _text_only(widget.get_component_rich_style(n)) for n in LOOK_COMPONENTS}
        fills = {
            n: RichStyle(bgcolor=widget.get_component_rich_style(n).bgcolor) for n in LOOK_FILLS
        }
        dark = widget.app.current_theme.dark
        return cls(widget.app.console, dark, styles, fills, rgb(widget.visual_style.rich_style))

    def style(self, name: str) -> RichStyle:
        """The style of component `name` (plain when the pane has none by that name)."""
        return self.styles.get(name) or RichStyle.null()


class Part:
    """A stretch of a message drawn as rows. `margin` blank rows come before it."""

    copied = False
    """Whether a selection copies its text."""
    fill: str | None = None
    """The component (of `LOOK_FILLS`) whose background its rows are laid on, across
    the pane; None: the pane's own."""

    def __init__(self, *, margin: int = 0) -> None:
        self.margin = margin
        self.ending = BLOCK_END
        """What follows its text in a copy that goes on past it."""
        self.version = 0
        """Bumped on every change: the rows are drawn again."""
        self._lines_key: tuple[object, ...] | None = None
        self._lines: Lines = []
        self._copied: list[bool | None] = []
        self._rows_key: tuple[object, ...] | None = None
        self._rows: list[Row] = []

    def changed(self) -> None:
        """What it shows changed: drawn again at the next look."""
        self.version += 1

    def pictures_wanted(self, *, all_of_them: bool = False) -> list[Picture]:
        """Its images not looked for yet (or `all_of_them`): decoded when it is drawn."""
        return []

    def draw(self, width: int, look: Look) -> tuple[Lines, list[bool | None]]:
        """Its lines at `width`, and per line whether a copy takes it (None: it copies
        as a blank line)."""
        raise NotImplementedError

    def height(self, width: int, look: Look) -> int:
        """Its rows at `width` (margin not included)."""
        return len(self._drawn(width, look)[0])

    def _drawn(self, width: int, look: Look) -> tuple[Lines, list[bool | None]]:
        key = (width, id(look), self.version)
        if key != self._lines_key:
            self._lines, self._copied = self.draw(width, look)
            self._lines_key = key
        return self._lines, self._copied

    def rows(self, width: int, look: Look, top: int) -> list[Row]:
        """Its rows at `width`, the first being row `top` of the pane."""
        lines, copied = self._drawn(width, look)
        key = (self._lines_key, top)
        if key != self._rows_key:
            if all(copied):
                rows = rows_of(lines, top)
            else:
                rows = [
                    rows_of([line], y)[0] if c else uncopied_row(line, y, "" if c is None else None)
                    for y, (line, c) in enumerate(zip(lines, copied, strict=True), top)
                ]
            self._rows, self._rows_key = rows, key
        return self._rows


def _render(look: Look, renderable: RenderableType, width: int, style: RichStyle) -> Lines:
    options = look.console.options.update(width=max(width, 1), height=None, highlight=False)
    return look.console.render_lines(renderable, options, style=style, pad=False, new_lines=False)


def wrapped(look: Look, text: str, width: int, style: RichStyle) -> Lines:
    """Plain `text` wrapped at words, each row after the first of a line marked with how
    a copy joins it (see `markdown_rows`)."""
    lines: Lines = []
    width = max(width, 1)
    for line in text.split("\n"):
        styled = Text(line, end="")
        styled.stylize(style)  # a span: a Text's own style is not in its segments
        plain, end = line, 0
        for index, row in enumerate(styled.wrap(look.console, width)):
            words = row.plain.rstrip()
            start = plain.find(words, end) if words else end
            start = end if start < 0 else start
            segments = list(row.render(look.console, end=""))
            if index:
                soft = SOFT_SPACE if plain[end:start] else SOFT_FOLD
                segments = [Segment(t, (s or style) + soft, c) for t, s, c in segments]
            lines.append(segments)
            end = start + len(words)
    return lines


class Caption(Part):
    """A line the app draws about a message (who wrote it, chips, how it ended)."""

    def __init__(self, text: str, component: str, *, margin: int = 0) -> None:
        super().__init__(margin=margin)
        self.text = text
        self.component = component

    def say(self, text: str, component: str | None = None) -> bool:
        """Show `text` (in `component`'s style); False if that is what it shows."""
        component = component or self.component
        if (text, component) == (self.text, self.component):
            return False
        self.text, self.component = text, component
        self.changed()
        return True

    def draw(self, width: int, look: Look) -> tuple[Lines, list[bool | None]]:
        lines = wrapped(look, self.text, width, look.style(self.component))
        return lines, [False] * len(lines)


class TextPart(Part):
    """A part that draws text someone (or a model) wrote, and copies it."""

    copied = True

    def __init__(self, text: str, *, margin: int = 0) -> None:
        super().__init__(margin=margin)
        self.text = text

    def show(self, text: str) -> None:
        """Draw `text` instead (all of it: a stream's text so far)."""
        if text != self.text:
            self.text = text
            self.changed()


class Passage(TextPart):
    """Plain text someone wrote (a question): wrapped, and copied as written."""

    def __init__(self, text: str, component: str, *, margin: int = 0) -> None:
        super().__init__(text, margin=margin)
        self.component = component

    def draw(self, width: int, look: Look) -> tuple[Lines, list[bool | None]]:
        lines = wrapped(look, self.text, width, look.style(self.component))
        return lines, [True] * len(lines)


class Piece(TextPart):
    """A stretch of a reply's Markdown, rendered once per width."""

    def draw(self, width: int, look: Look) -> tuple[Lines, list[bool | None]]:
        markdown = render_markdown(self.text, dark=look.dark)
        lines = _render(look, markdown, width, look.style("message--text"))
        return lines, [True] * len(lines)


class Reasoning(TextPart):
    """A reply's reasoning, in a box: a title line, and the text under it once expanded."""

    fill = "message--reasoning-box"

    def __init__(self, text: str, *, margin: int = 0) -> None:
        super().__init__(text, margin=margin)
        self.expanded = False

    def toggle(self) -> None:
        """Show the text, or only the title."""
        self.expanded = not self.expanded
        self.changed()

    def draw(self, width: int, look: Look) -> tuple[Lines, list[bool | None]]:
        mark = "▼" if self.expanded else "▶"
        title = f" {mark} Reasoning "  # (a cell of padding each side, as a button has)
        lines = wrapped(look, title, width, look.style("message--reasoning-title"))
        copied: list[bool | None] = [False] * len(lines)
        if self.expanded:
            text = wrapped(look, self.text, width - 3, look.style("message--reasoning"))
            lines += [[], *([Segment("   ", GUTTER), *line] for line in text)]
            copied += [False] + [True] * len(text)
        return lines, copied


class Picture:
    """One image, drawn with textual-image once decoded (in a worker, when first on
    screen); meanwhile the rows it will take stay blank, so nothing moves."""

    def __init__(self, ref: ImageRef, pictures: PictureCache, *, rows: int) -> None:
        self.ref = ref
        self.pictures = pictures
        self.max_rows = rows
        self.loaded = False
        """Whether the image was looked for (decoded, or found missing)."""
        self.image: PILImage | None = None
        self._drawn: tuple[tuple[int, int], Lines, object] | None = None
        self._sixel: tuple[int, object] | None = None
        """Its serial for `tui.ui.sixels`, and what keeps it drawable there."""
        known, image = pictures.cached(ref)
        if known:
            self.loaded, self.image = True, image

    @property
    def missing(self) -> bool:
        """Whether the blob was missing (or did not decode)."""
        return self.loaded and self.image is None

    def cells(self, width: int) -> tuple[int, int]:
        """The cells (columns, rows) it takes at `width`."""
        return cells_for(self.ref.width, self.ref.height, max(width, 1), self.max_rows)

    def load(self, width: int | None = None, look: Look | None = None) -> None:
        """Decode it, and draw it at `width` if given (blocking: from a worker thread,
        so that the screen need not wait for either)."""
        image_renderable_class()  # the first import of textual-image, off the UI thread
        self.image = self.pictures.load(self.ref)
        if self.image is not None and width is not None and look is not None:
            self.draw(width, look)  # kept for the first frame that shows it
            if self._sixel is not None:
                columns, rows = self.cells(width)
                prepare(self._sixel[0], columns, rows, cell_size(), look.background)
        self.loaded = True

    def draw(self, width: int, look: Look) -> Lines:
        """Its lines at `width`: the image, blank rows until it is decoded, or one line
        saying it is missing."""
        if self.missing:
            return wrapped(
                look, f"image missing: {self.ref.name}", width, look.style("image--missing")
            )
        columns, rows = self.cells(width)
        if self.image is None:
            return [[] for _ in range(rows)]
        if renderer() == "sixel":  # drawn over its blank cells after each frame
            if self._sixel is None:
                self._sixel = register(self.image)
            return placeholder_lines(self._sixel[0], columns, rows)
        if self._drawn is None or self._drawn[0] != (columns, rows):
            # Kept with its lines: a Kitty image lives in the terminal while it does.
            renderable = image_renderable_class()(self.image, width=columns, height=rows)
            options = look.console.options.update(width=columns, height=rows)
            lines = look.console.render_lines(renderable, options, pad=False, new_lines=False)
            self._drawn = ((columns, rows), lines[:rows], renderable)
        return self._drawn[1]


class Pictures(Part):
    """A message's images, one under another."""

    def __init__(self, pictures: list[Picture], *, margin: int = 0) -> None:
        super().__init__(margin=margin)
        self.pictures = pictures

    def pictures_wanted(self, *, all_of_them: bool = False) -> list[Picture]:
        return [p for p in self.pictures if all_of_them or not p.loaded]

    def draw(self, width: int, look: Look) -> tuple[Lines, list[bool | None]]:
        lines: Lines = []
        for picture in self.pictures:
            lines += picture.draw(width, look)
        return lines, [False] * len(lines)
