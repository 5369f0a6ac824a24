"""`HeaderCache`: the list's headers from the last run, so a start reads no file twice.

`<data dir>/cache/headers.json` holds each conversation's id, its file's mtime and the
`[conversation]` fields the list shows, newest first and one conversation per line:

    {"version": 3, "headers": [
    ["20260101-...", 1767225600.0, "Title", "provider", "model", "2026-01-01T...", 4, 0.01],
    ...
    ]}

so the first screenful can be read from the first lines alone (`newest`), before the
first paint, while the whole file is still one JSON document. A header is taken from it
only while the file's mtime is unchanged; anything else is read from the file and the
cache rewritten. The TOML files stay the only source of truth: delete the cache and it
is rebuilt.
"""

from __future__ import annotations

import json
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from tui.store.atomic import atomic_write_bytes
from tui.store.store import NO_TIME, Header

CACHE_VERSION = 3
FIRST_LINE = f'{{"version": {CACHE_VERSION}, "headers": ['
LAST_LINE = "]}"


class HeaderCache:
    """Headers by id, loaded from and saved to one JSON file."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "cache" / "headers.json"
        self.headers: dict[str, Header] = {}
        self.changed = False

    def load(self) -> HeaderCache:
        """Read the file (a missing or unreadable one is an empty cache)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw.get("version") != CACHE_VERSION:
                return self
            for row in raw["headers"]:
                header = _header(row)
                self.headers[header.id] = header
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self.headers.clear()  # rebuilt from the files
        return self

    def newest(self, count: int) -> list[Header]:
        """The `count` newest headers, from the file's first lines only ([] when it is
        missing or not as `save` writes it: `load` then decides)."""
        try:
            with self.path.open(encoding="utf-8") as file:
                lines = list(islice(file, count + 1))
            if not lines or lines[0].rstrip("\n") != FIRST_LINE:
                return []
            rows = []
            for line in lines[1:]:
                if line.startswith(LAST_LINE):
                    break
                rows.append(_header(json.loads(line.rstrip().removesuffix(","))))
            return rows
        except (OSError, ValueError, TypeError, AttributeError):
            return []

    def get(self, conversation_id: str, mtime: float) -> Header | None:
        """The cached header, if the file has not changed since."""
        header = self.headers.get(conversation_id)
        return header if header is not None and header.mtime == mtime else None

    def put(self, header: Header) -> None:
        self.headers[header.id] = header
        self.changed = True

    def keep_only(self, ids: set[str]) -> None:
        """Forget conversations whose files are gone."""
        for gone in self.headers.keys() - ids:
            del self.headers[gone]
            self.changed = True

    def save(self) -> None:
        """Write the cache if it changed (failures are ignored: it is only a cache)."""
        if not self.changed:
            return
        ordered = sorted(self.headers.values(), key=lambda h: h.updated or NO_TIME, reverse=True)
        rows = ",\n".join(json.dumps(_row(h), ensure_ascii=False) for h in ordered)
        data = f"{FIRST_LINE}\n{rows}\n{LAST_LINE}\n" if rows else f"{FIRST_LINE}\n{LAST_LINE}\n"
        try:
            atomic_write_bytes(self.path, data.encode("utf-8"))
        except OSError:
            return
        self.changed = False


def _header(row: list[Any]) -> Header:
    key, mtime, title, provider, model, updated, messages, cost = row
    when = datetime.fromisoformat(updated) if isinstance(updated, str) else None
    return Header(key, title, provider, model, when, mtime, messages, cost)


def _row(header: Header) -> list[object]:
    updated = header.updated.isoformat() if header.updated else None
    return [
        header.id,
        header.mtime,
        header.title,
        header.provider,
        header.model,
        updated,
        header.messages,
        header.cost_usd,
    ]
