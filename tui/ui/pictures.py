"""Images on screen: which of textual-image's renderers this terminal gets, how big an
image is drawn, and the decoded images, kept once per sha256.

textual-image finds out what the terminal supports by writing escape sequences and
reading the answer from stdin, once, when it is imported. With Textual running that
read races Textual's own (an answer can end up as keys, keys typed meanwhile can be
eaten), and inside tmux the answer is the outer terminal's, which tmux does not pass
images to. So the renderer is chosen here from the environment (`TUI_CHAT_IMAGES`
overrides it), and textual-image is imported with the terminal hidden from it.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from tui.domain import ImageRef

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage
    from rich.console import RenderableType

RENDERERS = ("halfcell", "sixel", "kitty", "unicode")
"""What `TUI_CHAT_IMAGES` may say: colour half-blocks, Sixel, Kitty graphics, or grey
Unicode shades."""
DEFAULT_CELL = (10, 20)
"""The pixels of a terminal cell when the terminal does not say (a VT340's)."""
SHOWN_SIDE = 1600
"""Decoded images are kept scaled to this longest side: more than a pane can show."""
CACHED = 48
"""Decoded images kept in memory (the least recently drawn go first)."""

_SIXEL_TERMS = ("foot", "mlterm", "contour", "yaft")
_SIXEL_PROGRAMS = ("WezTerm", "iTerm.app")


def choose_renderer(environ: dict[str, str] | None = None, *, tty: bool | None = None) -> str:
    """The renderer for this terminal: `TUI_CHAT_IMAGES` if set to one of `RENDERERS`;
    half-blocks in tmux or screen and when not on a terminal; Kitty graphics in kitty;
    Sixel in the terminals known to draw it; half-blocks elsewhere."""
    env = os.environ if environ is None else environ
    wanted = env.get("TUI_CHAT_IMAGES", "").strip().lower()
    if wanted in RENDERERS:
        return wanted
    if tty is None:
        tty = bool(sys.__stdout__ and sys.__stdout__.isatty())
    term = env.get("TERM", "")
    if not tty or env.get("TMUX") or term.startswith(("screen", "tmux")):
        return "halfcell"
    if term == "xterm-kitty" or env.get("KITTY_WINDOW_ID"):
        return "kitty"
    if term.startswith(_SIXEL_TERMS) or env.get("TERM_PROGRAM") in _SIXEL_PROGRAMS:
        return "sixel"
    if env.get("KONSOLE_VERSION"):
        return "sixel"
    return "halfcell"


@cache
def renderer() -> str:
    """This process's renderer (chosen once)."""
    return choose_renderer()


@cache
def cell_size() -> tuple[int, int]:
    """The pixels of one terminal cell (width, height): for Sixel and Kitty graphics,
    from the terminal's window size where it reports pixels; else `DEFAULT_CELL` (a
    character cell is about twice as tall as wide, all half-blocks need to know)."""
    stdout = sys.__stdout__
    if renderer() not in ("sixel", "kitty") or sys.platform == "win32" or stdout is None:
        return DEFAULT_CELL
    if not stdout.isatty():
        return DEFAULT_CELL
    import fcntl
    import struct
    import termios

    try:
        packed = fcntl.ioctl(stdout.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
    except OSError:
        return DEFAULT_CELL
    rows, columns, width, height = struct.unpack("HHHH", packed)
    if not (rows and columns and width and height):
        return DEFAULT_CELL  # tmux and some terminals report no pixels
    return max(1, width // columns), max(1, height // rows)


_import_lock = threading.Lock()


@cache
def image_renderable_class() -> Callable[..., RenderableType]:
    """textual-image's renderable for `renderer()`, imported without letting it ask the
    terminal anything (see the module's docstring). Sixel pictures are drawn by
    `tui.ui.sixels` instead (over Textual's frames); for Sixel this is half-blocks."""
    with _import_lock:
        saved = sys.__stdout__
        # Its renderable package asks the terminal only when stdout is a terminal.
        setattr(sys, "__stdout__", None)  # noqa: B010 (mypy: a Final name)
        try:
            import textual_image.renderable  # noqa: F401
        finally:
            setattr(sys, "__stdout__", saved)  # noqa: B010
        from textual_image import _terminal

        # Filled in, the cache keeps `get_cell_size` from asking the terminal later.
        _terminal.get_cell_size._result = _terminal.CellSize(*cell_size())  # type: ignore[attr-defined]
        from textual_image.renderable.halfcell import Image as Halfcell
        from textual_image.renderable.tgp import Image as Kitty
        from textual_image.renderable.unicode import Image as Shades

    classes: dict[str, Callable[..., RenderableType]] = {"kitty": Kitty, "unicode": Shades}
    return classes.get(renderer(), Halfcell)


def cells_for(
    width: int, height: int, columns: int, rows: int, cell: tuple[int, int] | None = None
) -> tuple[int, int]:
    """The cells (columns, rows) an image of `width` by `height` pixels is drawn in: its own
    size in cells, scaled down (keeping its shape) to at most `columns` by `rows`."""
    cell_width, cell_height = cell or cell_size()
    natural_columns = max(1, round(width / cell_width))
    natural_rows = max(1, round(height / cell_height))
    scale = min(1.0, columns / natural_columns, rows / natural_rows)
    return max(1, round(natural_columns * scale)), max(1, round(natural_rows * scale))


def size_words(count: int) -> str:
    """`123 B`, `4.5 KiB`, `1.2 MiB`."""
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / 1024 / 1024:.1f} MiB"


def pixels(width: int, height: int) -> str:
    """Width by height, as in `640 x 480` (with a multiplication sign, no spaces)."""
    return f"{width}\N{MULTIPLICATION SIGN}{height}"


def chip(name: str, width: int, height: int, size: int) -> str:
    """How an image is named under its message: `🖼 photo.png 640x480 12.3 KiB`
    (with a multiplication sign)."""
    return f"🖼 {name} {pixels(width, height)} {size_words(size)}"


class PictureCache:
    """Decoded images by sha256, read through `read` (None: the blob is missing) the
    first time one is drawn. Safe to use from worker threads."""

    def __init__(self, read: Callable[[ImageRef], bytes | None], size: int = CACHED) -> None:
        self._read = read
        self._size = size
        self._images: OrderedDict[str, PILImage | None] = OrderedDict()
        self._lock = threading.Lock()
        self._decoding = threading.Lock()
        self.decoded = 0
        """How many images were decoded (a test sees that each is decoded once)."""

    def cached(self, ref: ImageRef) -> tuple[bool, PILImage | None]:
        """(whether `ref` was looked at already, its image or None if missing)."""
        with self._lock:
            if ref.sha256 not in self._images:
                return False, None
            self._images.move_to_end(ref.sha256)
            return True, self._images[ref.sha256]

    def load(self, ref: ImageRef) -> PILImage | None:
        """The image of `ref`, decoded now if it was not yet (blocking: call from a
        worker thread); None when its blob is missing, damaged or does not decode."""
        known, image = self.cached(ref)
        if known:
            return image
        # One decode at a time: views of the same image mounted together decode it once.
        with self._decoding:
            known, image = self.cached(ref)
            if known:
                return image
            image = self._decode(ref)
            with self._lock:
                self._images[ref.sha256] = image
                while len(self._images) > self._size:
                    self._images.popitem(last=False)
        return image

    def _decode(self, ref: ImageRef) -> PILImage | None:
        data = self._read(ref)
        if data is None:
            return None
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as source:
                source.seek(0)  # the first frame of an animation
                image = source.convert("RGBA" if "A" in source.getbands() else "RGB")
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            return None
        image.thumbnail((SHOWN_SIDE, SHOWN_SIDE))
        self.decoded += 1
        return image
