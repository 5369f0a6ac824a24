"""Images: recognising them by their bytes, checking they decode, and fitting them to
what a provider takes.

Pillow is imported only when an image is actually looked at (it costs start-up time
the first screen does not need).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from tui.domain import ImageRef

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})
"""Names that claim to be images (a file with one must decode, or it is refused)."""
IMAGE_LIMIT = 50 * 1024 * 1024
"""Largest image file read, in bytes (before any scaling)."""
MAX_PIXELS = 50_000_000
"""Largest image decoded, in pixels: a small file can hold a huge image (a
decompression bomb), and scaling it would hold the program for seconds."""


class ImageError(Exception):
    """An image that cannot be used, said in one sentence naming the file."""


@dataclass(frozen=True, slots=True)
class Picture:
    """An image's bytes and what they hold."""

    data: bytes
    media_type: str
    width: int
    height: int

    def ref(self, sha256: str, name: str) -> ImageRef:
        """How a message refers to these bytes once they are kept as a blob."""
        return ImageRef(sha256, name, self.media_type, len(self.data), self.width, self.height)


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """What a provider takes: the longest side in pixels and the bytes of one image."""

    max_side: int
    max_bytes: int


PROVIDER_LIMITS = {
    # Anthropic refuses images over 8000 px a side or 5 MB of base64 (3.75 MB of bytes).
    "anthropic": ImageLimits(8000, 5 * 1024 * 1024 * 3 // 4),
    # The offline guide looks at no image: nothing is worth scaling for it.
    "offline": ImageLimits(1 << 30, 1 << 40),
    # OpenAI takes up to 20 MB and scales anything over 2048 px down itself: sending
    # more is only slower.
    "openai": ImageLimits(2048, 20 * 1024 * 1024),
}


def limits_for(kind: str) -> ImageLimits:
    """The limits of a provider kind (OpenAI's for compatible servers)."""
    return PROVIDER_LIMITS.get(kind, PROVIDER_LIMITS["openai"])


def sniff(data: bytes) -> str | None:
    """The media type the bytes start with (PNG, JPEG, GIF, WebP), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def claims_image(name: str) -> bool:
    """Whether a file's name says it is an image."""
    return Path(name).suffix.lower() in IMAGE_SUFFIXES


def decode(data: bytes, shown_as: str) -> Picture:
    """The image in `data`, checked to decode.

    Raises:
        ImageError: not PNG, JPEG, GIF or WebP, or it does not decode.
    """
    media_type = sniff(data)
    if media_type is None:
        raise ImageError(f"{shown_as} is not a PNG, JPEG, GIF or WebP image.")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size  # from the header: nothing decoded yet
            if width * height > MAX_PIXELS:
                megapixels = width * height / 1e6
                raise ImageError(
                    f"{shown_as} is {width}×{height} ({megapixels:.0f} megapixels); images over "  # noqa: RUF001
                    f"{MAX_PIXELS // 1_000_000} megapixels are not attached."
                )
            image.load()
            width, height = _upright_size(image)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        why = (
            "too large to decode safely"
            if isinstance(exc, Image.DecompressionBombError)
            else ("it is damaged or cut short")
        )
        raise ImageError(f"{shown_as} cannot be read as an image: {why}.") from None
    return Picture(data, media_type, width, height)


def read_image(path: Path, shown_as: str) -> Picture:
    """The image file at `path`.

    Raises:
        ImageError: missing, too large, or not an image that decodes.
    """
    try:
        if path.stat().st_size > IMAGE_LIMIT:
            raise ImageError(f"{shown_as} is over {IMAGE_LIMIT // 1024 // 1024} MiB.")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImageError(f"{shown_as}: no such file.") from None
    except OSError as exc:
        raise ImageError(f"{shown_as} cannot be read: {exc.strerror or exc}.") from None
    return decode(data, shown_as)


def needs_fitting(picture: Picture, limits: ImageLimits) -> bool:
    """Whether `picture` is over `limits` (one within them is sent byte for byte)."""
    too_big = max(picture.width, picture.height) > limits.max_side
    return too_big or len(picture.data) > limits.max_bytes


def fit(picture: Picture, limits: ImageLimits) -> Picture:
    """`picture` scaled down to within `limits`, in its own format where the APIs take
    it (a GIF or an image still too heavy becomes JPEG); unchanged when within them."""
    if not needs_fitting(picture, limits):
        return picture
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(picture.data)) as source:
        source.seek(0)  # the first frame of an animation
        upright = ImageOps.exif_transpose(source)  # phone photos: turned as they were taken
        if upright.mode in ("I;16", "I;16B", "I;16L", "I"):
            # 16-bit values would be clipped to white: bring them to 8 bits first.
            upright = upright.point(lambda value: value / 256).convert("L")
        image = upright.convert("RGBA" if upright.mode in ("RGBA", "LA", "P") else "RGB")
    scale = min(1.0, limits.max_side / max(image.width, image.height))
    media_type = picture.media_type if picture.media_type != "image/gif" else "image/png"
    while True:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        scaled = image.resize(size, Image.Resampling.LANCZOS)
        data = _encode(scaled, media_type)
        if len(data) <= limits.max_bytes:
            return Picture(data, media_type, *size)
        if media_type != "image/jpeg":
            media_type = "image/jpeg"  # far smaller for photos; try again at this size
            continue
        scale *= 0.75


def _upright_size(image: object) -> tuple[int, int]:
    """(width, height) as the image is meant to be seen (EXIF orientation applied)."""
    from PIL import Image

    assert isinstance(image, Image.Image)
    width, height = image.size
    orientation = image.getexif().get(0x0112, 1)  # 5-8: turned a quarter
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _encode(image: object, media_type: str) -> bytes:
    from PIL import Image

    assert isinstance(image, Image.Image)
    out = io.BytesIO()
    if media_type == "image/jpeg":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif media_type == "image/webp":
        image.save(out, "WEBP", quality=85)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()
