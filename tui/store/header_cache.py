"""`HeaderCache`: the list's headers from the last run, so a start reads no file twice.

`<data dir>/cache/headers.json` maps each conversation id to its file's mtime and the
`[conversation]` fields the list shows. A header is taken from it only while the file's
mtime is unchanged; anything else is read from the file and the cache rewritten. The
TOML files stay the only source of truth: delete the cache and it is rebuilt.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from tui.store.atomic import atomic_write_bytes
from tui.store.store import Header

CACHE_VERSION = 2


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
            for key, row in raw["headers"].items():
                mtime, title, provider, model, updated, messages, cost = row
                when = datetime.fromisoformat(updated) if updated else None
                self.headers[key] = Header(
                    key, title, provider, model, when, mtime, messages, cost
                )
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self.headers.clear()  # rebuilt from the files
        return self

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
        headers = {h.id: _row(h) for h in self.headers.values()}
        data = json.dumps({"version": CACHE_VERSION, "headers": headers}, ensure_ascii=False)
        try:
            atomic_write_bytes(self.path, data.encode("utf-8"))
        except OSError:
            return
        self.changed = False


def _row(header: Header) -> list[object]:
    updated = header.updated.isoformat() if header.updated else None
    return [
        header.mtime,
        header.title,
        header.provider,
        header.model,
        updated,
        header.messages,
        header.cost_usd,
    ]
