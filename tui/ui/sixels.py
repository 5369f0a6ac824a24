"""Sixel images in the message pane, drawn over the frames Textual writes.

Textual draws rows of cells; a Sixel image is pixels drawn at a cursor position, which
Textual's strips cannot carry (it crops and cuts segments by their length, escape
sequences included). So a Sixel picture's rows are drawn as blank cells tagged with
the picture and the row (`placeholder_lines`); the pane notes where its drawn rows put
those cells on screen (`find_places`); and after each frame the app writes, for every
picture row that frame wrote over, that row's slice of the image (`overlay`). A row is
a slice of its own, so a frame that writes only some rows draws only those again, and
slices are encoded once, whatever the scroll position. Cells under another widget (a
toast, a tooltip) are left out of the slices, so the image does not cover it.
"""

from __future__ import annotations

import itertools
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual.strip import Strip
from textual.widget import Widget

from tui.ui.markdown_rows import GUTTER_KEY
from tui.ui.pictures import cell_size, image_renderable_class

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage
    from rich.console import Console, ConsoleOptions, RenderResult
    from textual.screen import Screen

SIXEL_KEY = "sixel"
"""Style meta of a placeholder cell run: (picture serial, row, columns, rows)."""
KEPT_SLICES = 4000
"""Encoded slices kept (the least recently drawn go first)."""
REGISTERS = 256
"""Colour registers taken for Sixel (what xterm reports having)."""
_COLOUR = re.compile(r"#(\d+)(;2;(\d+);(\d+);(\d+))?")
"""A colour's selection in Sixel data, with its definition when it comes first."""
_RASTER = re.compile(r'\x1bP[0-9;]*q"\d+;\d+;\d+;\d+')
"""Sixel data's start: the introducer and the raster attributes (the size)."""

_serials = itertools.count(1)
_pictures: weakref.WeakValueDictionary[int, _Drawable] = weakref.WeakValueDictionary()
_slices: OrderedDict[tuple[int, int, int, int, tuple[int, int], tuple[int, int, int]], str]
_slices = OrderedDict()
_registers: dict[tuple[int, int, int], int] = {}
_lock = threading.Lock()
"""Slices are encoded by workers (`prepare`) and by the frame that needs one."""


class _Drawable:
    """What a Sixel picture is drawn from (a weak reference's target)."""

    def __init__(self, image: PILImage) -> None:
        self.image = image
        self._scaled: tuple[tuple[object, ...], PILImage] | None = None

    def quantized(self, size: tuple[int, int], background: tuple[int, int, int]) -> PILImage:
        """The image at `size` pixels on `background`, in one palette for all its slices."""
        if self._scaled is None or self._scaled[0] != (size, background):
            from PIL import Image

            image = self.image.convert("RGBA").resize(size)
            flat = Image.new("RGBA", size, (*background, 255))
            flat.alpha_composite(image)
            palette = flat.convert("RGB").quantize(REGISTERS - 1, Image.Quantize.FASTOCTREE)
            self._scaled = ((size, background), palette)
        return self._scaled[1]


class Place(NamedTuple):
    """A picture row's cells on screen."""

    serial: int
    row: int
    columns: int
    rows: int
    x: int
    y: int


def register(image: PILImage) -> tuple[int, object]:
    """A serial for `image` and the object that keeps it drawable while held."""
    drawable = _Drawable(image)
    serial = next(_serials)
    _pictures[serial] = drawable
    return serial, drawable


def placeholder_lines(serial: int, columns: int, rows: int) -> list[list[Segment]]:
    """The rows a picture takes: blank cells, tagged with what to draw over them."""
    return [
        [
            Segment(
                " " * columns,
                RichStyle(meta={GUTTER_KEY: True, SIXEL_KEY: (serial, row, columns, rows)}),
            )
        ]
        for row in range(rows)
    ]


def find_places(strips: Sequence[Strip], origin: tuple[int, int]) -> list[Place]:
    """Where the placeholder cells in `strips` are, the first strip's first cell being
    at `origin` on screen. A run cut short (the pane cropped at a side) is left out."""
    places: list[Place] = []
    x0, y0 = origin
    for y, strip in enumerate(strips, y0):
        x = x0
        for text, style, control in strip:
            if control:
                continue
            if style is not None and style._meta is not None and SIXEL_KEY in style.meta:
                serial, row, columns, rows = style.meta[SIXEL_KEY]
                if len(text) == columns:
                    places.append(Place(serial, row, columns, rows, x, y))
            x += cell_len(text)
    return places


def written(update: CompositorUpdate) -> dict[int, list[tuple[int, int]]] | None:
    """The cells `update` writes, as [start, end) per screen row; None for all of them."""
    if isinstance(update, LayoutUpdate):
        return None
    rows: dict[int, list[tuple[int, int]]] = {}
    if not isinstance(update, ChopsUpdate):
        return rows
    for y, x1, x2 in update.spans:  # as ChopsUpdate.render_segments writes them
        for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(), strict=False):
            if strip is None or x > x2 or end <= x1:
                continue
            rows.setdefault(y, []).append((x, min(end, x2)))  # from the chop's start
    return rows


def uncovered(x: int, width: int, covers: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of cells [x, x + width) outside every [start, end) of `covers`."""
    parts = [(x, x + width)]
    for start, end in covers:
        parts = [
            piece
            for left, right in parts
            for piece in ((left, min(right, start)), (max(left, end), right))
            if piece[0] < piece[1]
        ]
    return parts


def rgb(style: RichStyle) -> tuple[int, int, int]:
    """The red, green and blue of `style`'s background (black if it has none)."""
    colour = style.bgcolor
    red, green, blue = colour.get_truecolor() if colour is not None else (0, 0, 0)
    return red, green, blue


def prepare(
    serial: int, columns: int, rows: int, cell: tuple[int, int], background: tuple[int, int, int]
) -> None:
    """Encode every row of a picture drawn at `columns` by `rows` (from a worker: the
    frame that first shows it then only writes them out)."""
    for row in range(rows):
        slice_data(Place(serial, row, columns, rows, 0, 0), 0, columns, cell, background)


def slice_data(
    place: Place, first: int, last: int, cell: tuple[int, int], background: tuple[int, int, int]
) -> str | None:
    """The Sixel data of columns [first, last) of a picture row; None if the picture is gone."""
    key = (place.serial, place.row, first, last, cell, background)
    with _lock:
        data = _slices.get(key)
        if data is not None:
            _slices.move_to_end(key)
            return data
    drawable = _pictures.get(place.serial)
    if drawable is None:
        return None
    image_renderable_class()  # textual-image imported without asking the terminal
    from textual_image._sixel import image_to_sixels

    width, height = cell
    size = (place.columns * width, place.rows * height)
    top = place.row * height
    piece = drawable.quantized(size, background).crop(
        (first * width, top, last * width, top + height)
    )
    encoded = image_to_sixels(piece, None, (*background, 255))
    # Pixels a band leaves unset (below the cell, when its height is not a multiple of
    # six) keep what is there instead of being painted in the background colour.
    encoded = encoded.replace("\x1bP0;0;0q", "\x1bP0;1;0q", 1)
    with _lock:  # registers are given out once, whichever thread asks first
        data = _slices[key] = _renumbered(encoded)
        while len(_slices) > KEPT_SLICES:
            _slices.popitem(last=False)
    return data


def _renumbered(data: str) -> str:
    """`data` with each colour in the register this process gives that colour, all
    defined before the first pixel.

    Each slice is encoded with registers of its own, numbered from 0, and terminals
    that share registers between images (xterm) paint what was drawn earlier with a
    register in the colour it is given later: slices of one picture would recolour
    each other. Slices of a picture share its palette, so numbered by colour they
    define each register alike. (xterm also draws the pixels that follow a colour's
    definition in the same command in its default colours: hence the definitions first.)
    """
    start = _RASTER.match(data)
    if start is None:
        return data
    local: dict[str, str] = {}
    defined: list[str] = []

    def swap(found: re.Match[str]) -> str:
        if found[2]:
            colour = (int(found[3]), int(found[4]), int(found[5]))
            local[found[1]] = register = str(_register(colour))
            defined.append(f"#{register}{found[2]}")
        return f"#{local.get(found[1], found[1])}"

    body = _COLOUR.sub(swap, data[start.end() :])
    return start[0] + "".join(defined) + "$" + body


def _register(colour: tuple[int, int, int]) -> int:
    register = _registers.get(colour)
    if register is None:
        register = 1 + len(_registers) % (REGISTERS - 1)
        _registers[colour] = register
    return register


def overlay(
    places: Iterable[Place],
    update: CompositorUpdate,
    covers: dict[int, list[tuple[int, int]]],
    cell: tuple[int, int],
    background: tuple[int, int, int],
    screen_rows: int,
) -> str:
    """The slices to draw after `update`: of each place whose cells it wrote over, the
    parts no other widget covers (`covers`: [start, end) per screen row)."""
    wrote = written(update)
    out: list[str] = []
    for place in places:
        if place.y >= screen_rows - 1:  # a Sixel on the last row could scroll the screen
            continue
        if wrote is not None:
            spans = wrote.get(place.y, ())
            if not any(start < place.x + place.columns and end > place.x for start, end in spans):
                continue
        for left, right in uncovered(place.x, place.columns, covers.get(place.y, ())):
            data = slice_data(place, left - place.x, right - place.x, cell, background)
            if data is not None:
                out.append(f"\x1b[{place.y + 1};{left + 1}H{data}")
    return "".join(out)


def covered_rows(
    screen: Screen[object], panes: Iterable[Widget]
) -> dict[int, list[tuple[int, int]]]:
    """[start, end) per screen row of the widgets drawn over `panes`: those that overlap
    a pane and are neither it, inside it, nor holding it (toasts, tooltips, menus)."""
    panes = list(panes)
    holders = {id(node) for pane in panes for node in pane.ancestors_with_self}
    rows: dict[int, list[tuple[int, int]]] = {}
    for widget in screen.walk_children(Widget, with_self=False):
        if id(widget) in holders or widget.children or not widget.display:
            continue
        region = widget.region
        if not region or not any(region.overlaps(pane.region) for pane in panes):
            continue
        if any(pane in widget.ancestors for pane in panes):
            continue
        for y in range(region.y, region.bottom):
            rows.setdefault(y, []).append((region.x, region.right))
    return rows


class Overlaid(CompositorUpdate):
    """A frame followed by the Sixel slices drawn over it."""

    def __init__(self, update: CompositorUpdate, after: str) -> None:
        self.update = update
        self.after = after

    def render_segments(self, console: Console) -> str:
        return self.update.render_segments(console) + self.after

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from console.render(self.update, options)  # type: ignore[arg-type]
        yield Segment(self.after, control=[])


def with_sixels(
    screen: Screen[object], update: CompositorUpdate, panes: Sequence[tuple[Widget, list[Place]]]
) -> CompositorUpdate:
    """`update`, followed by the slices it wrote over of the pictures in `panes` (each
    pane with the places its last drawn rows put pictures at)."""
    panes = [(pane, places) for pane, places in panes if places]
    if not panes:
        return update
    covers = covered_rows(screen, [pane for pane, _ in panes])
    drawn: list[str] = []
    for pane, places in panes:
        background = rgb(pane.visual_style.rich_style)
        rows = screen.size.height
        drawn.append(overlay(places, update, covers, cell_size(), background, rows))
    after = "".join(drawn)
    return Overlaid(update, after) if after else update
