"""`ParseCache`: long conversations kept parsed, so that opening one skips the TOML parse.

tomllib reads about 6 MB a second: a 2,000-message conversation (760 KiB) takes 0.1 s
to parse, and JSON of the same data a few milliseconds. For each conversation file of
at least `MIN_BYTES`, `<data dir>/cache/parsed/<id>.json` holds its parsed data with
the size and mtime of the file it came from, written when the store writes or parses
the file. It is used only while both still match: the TOML file stays the truth, and a
file edited by hand is parsed again.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.store.atomic import atomic_write_bytes

MIN_BYTES = 64 * 1024
"""Smaller files parse in a few milliseconds: caching them would only add files."""
VERSION = 1
_DATETIME = "$datetime"


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return {_DATETIME: value.isoformat()}
    raise TypeError(f"not cached: {type(value).__name__}")


def _decode(table: dict[str, Any]) -> object:
    if len(table) == 1 and _DATETIME in table:
        return datetime.fromisoformat(table[_DATETIME])
    return table


class ParseCache:
    """Parsed conversation files by id, each valid while its file is unchanged."""

    def __init__(self, data_dir: Path, min_bytes: int = MIN_BYTES) -> None:
        self.folder = data_dir / "cache" / "parsed"
        self.min_bytes = min_bytes

    def _file(self, path: Path) -> Path:
        return self.folder / f"{path.stem}.json"

    def get(self, path: Path) -> dict[str, Any] | None:
        """The parsed data of conversation file `path`, if cached for its current state."""
        try:
            stat = path.stat()
            if stat.st_size < self.min_bytes:
                return None
            cached = json.loads(self._file(path).read_bytes(), object_hook=_decode)
        except (OSError, ValueError):
            return None
        if cached.get("version") != VERSION or cached.get("file") != [
            stat.st_size,
            stat.st_mtime_ns,
        ]:
            return None
        data: dict[str, Any] = cached["data"]
        return data

    def put(self, path: Path, data: dict[str, Any], stat: os.stat_result | None = None) -> None:
        """Keep `data`, just written to `path`, or parsed from it as `stat` (taken before
        reading, so a file replaced meanwhile never gets the old data). Failures are
        ignored: it is only a cache."""
        try:
            stat = stat or path.stat()
            if stat.st_size < self.min_bytes:
                self.forget(path)
                return
            entry = {"version": VERSION, "file": [stat.st_size, stat.st_mtime_ns], "data": data}
            # No fsyncs: a copy lost to a power cut is only parsed again.
            encoded = json.dumps(entry, default=_encode).encode()
            atomic_write_bytes(self._file(path), encoded, durable=False)
        except (OSError, TypeError, ValueError):
            return

    def forget(self, path: Path) -> None:
        """Drop what is kept for `path` (its file was trashed, or became small)."""
        self._file(path).unlink(missing_ok=True)
