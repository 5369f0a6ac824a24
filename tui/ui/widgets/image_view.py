"""`PictureView`: one image of a message or a tool result, drawn with textual-image.

The space it takes is known before it is decoded (the reference has its pixel size),
so nothing moves when the picture arrives. Decoding runs in a worker thread, once per
image (`PictureCache`), and only for views that are mounted: the pane mounts only the
newest messages, so opening a long conversation decodes only what is on screen.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import events
from textual.containers import Vertical
from textual.widgets import Static

from tui.domain import ImageRef
from tui.inert import make_inert
from tui.ui.pictures import PictureCache, cells_for, chip, image_widget_class

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage
    from textual_image.widget._base import Image as ImageWidget

MESSAGE_ROWS = 20
"""The most rows an image under a question takes."""
TOOL_ROWS = 8
"""The most rows an image of a tool result takes."""


def chips(refs: list[ImageRef]) -> str:
    """The images' line: name, pixel size and file size of each."""
    return "  ".join(make_inert(chip(r.name, r.width, r.height, r.size)) for r in refs)


class PictureView(Vertical):
    """One image: drawn once decoded, or the line `image missing: name`."""

    DEFAULT_CSS = """
    PictureView { width: 100%; height: auto; }
    PictureView > .missing { color: $warning; }
    """

    def __init__(self, ref: ImageRef, pictures: PictureCache, *, rows: int = MESSAGE_ROWS) -> None:
        super().__init__(classes="picture")
        self.ref = ref
        self.pictures = pictures
        self.rows = rows
        self.drawn: ImageWidget | None = None
        """textual-image's widget, once the image is decoded."""
        self.missing = False
        """Whether the blob was missing (or did not decode)."""

    def on_mount(self) -> None:
        known, image = self.pictures.cached(self.ref)
        if known:
            self._show(image)
        else:
            # The space it will take, kept while it is decoded: nothing moves meanwhile.
            self.styles.min_height = self._cells()[1]
            self.run_worker(self._load(), group="picture", exit_on_error=False)

    async def _load(self) -> None:
        def load() -> PILImage | None:
            image_widget_class()  # the first import of textual-image, off the UI thread
            return self.pictures.load(self.ref)

        self._show(await asyncio.to_thread(load))

    def _cells(self) -> tuple[int, int]:
        width = self.size.width or self.parent_width()
        return cells_for(self.ref.width, self.ref.height, max(width, 1), self.rows)

    def parent_width(self) -> int:
        """The width it will have: its parent's, before its own first layout."""
        parent = self.parent
        return parent.size.width if parent is not None and hasattr(parent, "size") else 40

    def _show(self, image: PILImage | None) -> None:
        if not self.is_attached:
            return
        self.styles.min_height = None
        if image is None:
            self.missing = True
            missing = f"image missing: {make_inert(self.ref.name)}"
            self.mount(Static(missing, markup=False, classes="missing"))
            return
        self.drawn = image_widget_class()(image)
        self._size_drawn()
        self.mount(self.drawn)

    def _size_drawn(self) -> None:
        if self.drawn is not None:
            columns, rows = self._cells()
            self.drawn.styles.width = columns
            self.drawn.styles.height = rows

    def on_resize(self, event: events.Resize) -> None:
        self._size_drawn()
