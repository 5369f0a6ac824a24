"""Images kept once each, content-addressed: `<data dir>/blobs/sha256/<hash>.<ext>`.

A blob is written atomically before any request that sends it leaves, and never
changes (its name is its content). Conversations refer to blobs by their full sha256,
so forks and versions share them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from tui.domain import ImageRef
from tui.store.atomic import atomic_write_bytes

SUFFIX = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


class BlobStore:
    """The blobs folder of one data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "blobs" / "sha256"

    def path(self, sha256: str, media_type: str) -> Path:
        """Where the blob with this digest is (or would be) kept."""
        return self.root / f"{sha256}.{SUFFIX.get(media_type, 'bin')}"

    def put(self, data: bytes, media_type: str) -> str:
        """Keep `data` (once: a blob already there is not written again); its sha256."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.path(digest, media_type)
        if not path.exists():
            atomic_write_bytes(path, data)
        return digest

    def read(self, ref: ImageRef) -> bytes | None:
        """The bytes of `ref`, or None when the blob is missing (or does not match its
        digest: a damaged file is as good as missing)."""
        try:
            data = self.path(ref.sha256, ref.media_type).read_bytes()
        except OSError:
            return None
        return data if hashlib.sha256(data).hexdigest() == ref.sha256 else None

    def has(self, ref: ImageRef) -> bool:
        """Whether the blob of `ref` is on disk."""
        return self.path(ref.sha256, ref.media_type).is_file()
