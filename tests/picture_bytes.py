"""Small images made in the tests (never files checked in): a few bytes of each format."""

from __future__ import annotations

import io

from PIL import Image


def picture(fmt: str = "PNG", size: tuple[int, int] = (4, 3), color: str = "red") -> bytes:
    """An image of `size` pixels in `fmt` (PNG, JPEG, GIF, WEBP)."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()
