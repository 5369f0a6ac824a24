"""Search across every conversation: titles, system prompts and messages (with the
text of a reply's tool rounds).

`SearchIndex` keeps the searchable text of each conversation in
`<data dir>/cache/search.json`, with the file's mtime: a search re-reads only the files
that changed since the last one. The TOML files stay the only source of truth (delete
the cache and it is rebuilt). Matching is case-insensitive substring matching.

The app keeps the index up to date as it saves (`note_saved`), and builds a missing or
old cache at start-up in a separate process (`python -m tui.search DATA_DIR`), so that
parsing thousands of files never competes with the screen for the interpreter.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.store import ConversationStore, StoreError
from tui.store.atomic import atomic_write_bytes
from tui.store.store import Snapshot

INDEX_VERSION = 1
CONTEXT_CHARS = 40
"""Characters of context shown on each side of a match."""
BUILD_APART_FROM = 50
"""With more files than this to read, the cache is built in a separate process."""


@dataclass(frozen=True, slots=True)
class Hit:
    """The first match in one conversation."""

    conversation_id: str
    title: str
    updated: datetime | None
    where: str
    """`title`, `system prompt` or `message N` (1-based)."""
    message_index: int | None
    """Index into the conversation's messages, for a match in a message."""
    context: str
    """The matching line, cut to about `CONTEXT_CHARS` on each side of the match."""
    match_start: int
    match_end: int
    """Where the match is inside `context`."""


@dataclass(slots=True)
class _Entry:
    mtime: float
    title: str
    updated: str | None
    system: str
    messages: list[str]


class SearchIndex:
    """The searchable text of every conversation, cached beside the files."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store
        self.path = store.data_dir / "cache" / "search.json"
        self._entries: dict[str, _Entry] = {}
        self._loaded = False
        self._lock = threading.Lock()
        # Held over a whole refresh: callers on other threads wait for it, then find
        # nothing left to read, rather than parsing the same files at the same time.
        self._refresh_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether a refresh has run: saves keep it up to date from then on."""
        return self._loaded

    def files_to_read(self) -> int:
        """How many conversation files changed since the cache was written (all of them
        without a cache): a directory scan, no file is read."""
        try:
            written = self.path.stat().st_mtime
        except OSError:
            written = -1.0
        return sum(1 for summary in self.store.list_summaries() if summary.mtime >= written)

    def refresh(
        self, *, save: bool = True, progress: Callable[[int, int], object] | None = None
    ) -> None:
        """Load the cache, then read the files that are new or changed since
        (`progress(done, total)` is told how far that is). Safe from any thread."""
        with self._refresh_lock:
            self._refresh(save=save, progress=progress)

    def _refresh(self, *, save: bool, progress: Callable[[int, int], object] | None) -> None:
        if not self._loaded:  # afterwards, saves keep the entries up to date
            cached = self._load()
            with self._lock:
                self._entries, self._loaded = cached, True
        with self._lock:
            entries = dict(self._entries)
        changed = False
        summaries = self.store.list_summaries()
        stale = [s for s in summaries if (e := entries.get(s.id)) is None or e.mtime != s.mtime]
        for done, summary in enumerate(stale, start=1):
            if progress is not None and done % 100 == 0:
                progress(done, len(stale))
            try:
                conv = self.store.load(summary.id)
            except StoreError:
                with self._lock:
                    self._entries.pop(summary.id, None)
                continue
            entry = _Entry(
                summary.mtime,
                conv.title,
                conv.updated_at.isoformat(),
                conv.system_prompt or "",
                ["\n".join([*(s.text for s in m.steps), m.content]) for m in conv.messages],
            )
            with self._lock:
                self._entries[summary.id] = entry
            changed = True
        present = {summary.id for summary in summaries}
        with self._lock:
            for gone in self._entries.keys() - present:
                del self._entries[gone]
                changed = True
        if changed and save:
            self._save()

    def note_saved(self, snapshot: Snapshot) -> None:
        """Take in a conversation just written (safe from the saver's thread). Until the
        index is loaded there is nothing to update: the file's mtime tells later."""
        if not self._loaded:
            return
        try:
            mtime = snapshot.path.stat().st_mtime
        except OSError:
            return
        entry = _entry_from(snapshot.data, mtime)
        if entry is not None:
            with self._lock:
                self._entries[snapshot.path.stem] = entry

    def search(self, text: str, limit: int = 50) -> list[Hit]:
        """Conversations matching `text`, most recently updated first."""
        needle = text.strip().casefold()
        if not needle:
            return []
        hits = []
        with self._lock:
            ordered = sorted(
                self._entries.items(), key=lambda item: item[1].updated or "", reverse=True
            )
        for conversation_id, entry in ordered:
            hit = _first_hit(conversation_id, entry, needle)
            if hit is not None:
                hits.append(hit)
                if len(hits) >= limit:
                    break
        return hits

    def matching_ids(self, text: str) -> set[str]:
        """The ids of the conversations whose title, system prompt or a message contains
        `text` (any case, as `search` matches), as of the last `refresh` and saves.
        Safe from any thread."""
        needle = text.strip().casefold()
        if not needle:
            return set()
        with self._lock:
            entries = list(self._entries.items())
        return {
            conversation_id
            for conversation_id, entry in entries
            if any(
                needle in place.casefold() for place in (entry.title, entry.system, *entry.messages)
            )
        }

    def _load(self) -> dict[str, _Entry]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw.get("version") != INDEX_VERSION:
                return {}
            return {key: _Entry(*row) for key, row in raw["conversations"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}  # rebuilt from the files

    def _save(self) -> None:
        with self._lock:
            rows = {
                key: [e.mtime, e.title, e.updated, e.system, e.messages]
                for key, e in self._entries.items()
            }
        data = json.dumps({"version": INDEX_VERSION, "conversations": rows}, ensure_ascii=False)
        with contextlib.suppress(OSError):  # only a cache: the next search reads the files
            atomic_write_bytes(self.path, data.encode("utf-8"))


def _entry_from(data: dict[str, Any], mtime: float) -> _Entry | None:
    """The searchable text of a conversation in its file's (dict) form."""
    head = data.get("conversation")
    if not isinstance(head, dict):
        return None
    updated = head.get("updated")
    return _Entry(
        mtime,
        str(head.get("title", "")),
        updated.isoformat() if isinstance(updated, datetime) else None,
        str(head.get("system_prompt") or ""),
        [_message_text(m) for m in data.get("messages", []) if isinstance(m, dict)],
    )


def _message_text(message: dict[str, Any]) -> str:
    """A message's searchable text: the text of its tool rounds, then its content."""
    steps = message.get("steps", [])
    texts = (
        [str(s.get("text", "")) for s in steps if isinstance(s, dict)]
        if isinstance(steps, list)
        else []
    )
    return "\n".join([*texts, str(message.get("content", ""))])


def build(data_dir: Path) -> None:
    """Bring the cache of `data_dir` up to date (what `python -m tui.search` runs)."""
    SearchIndex(ConversationStore(data_dir)).refresh()


def _first_hit(conversation_id: str, entry: _Entry, needle: str) -> Hit | None:
    places: list[tuple[str, int | None, str]] = [
        ("title", None, entry.title),
        ("system prompt", None, entry.system),
    ]
    places += [(f"message {n + 1}", n, text) for n, text in enumerate(entry.messages)]
    for where, index, text in places:
        position = text.casefold().find(needle)
        if position < 0:
            continue
        context, start = _context(text, position, len(needle))
        updated = datetime.fromisoformat(entry.updated) if entry.updated else None
        return Hit(
            conversation_id, entry.title, updated, where, index, context, start, start + len(needle)
        )
    return None


def _context(text: str, position: int, length: int) -> tuple[str, int]:
    """The line around a match, cut to `CONTEXT_CHARS` on each side; and where the
    match starts in it. (`casefold` keeps lengths for nearly all text; the rare
    character it expands only shifts the highlight.)"""
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position + length)
    line_end = len(text) if line_end < 0 else line_end
    start = max(line_start, position - CONTEXT_CHARS)
    end = min(line_end, position + length + CONTEXT_CHARS)
    prefix = "…" if start > line_start else ""
    suffix = "…" if end < line_end else ""
    context = prefix + text[start:end].replace("\t", " ") + suffix
    return context, len(prefix) + position - start


if __name__ == "__main__":
    if hasattr(os, "nice"):
        os.nice(19)  # a background chore: any other work comes first
    build(Path(sys.argv[1]))
