"""Search across every conversation: titles, system prompts and messages.

`SearchIndex` keeps the searchable text of each conversation in
`<data dir>/cache/search.json`, with the file's mtime: a search re-reads only the files
that changed since the last one. The TOML files stay the only source of truth (delete
the cache and it is rebuilt). Matching is case-insensitive substring matching.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime

from tui.store import ConversationStore, StoreError
from tui.store.atomic import atomic_write_bytes

INDEX_VERSION = 1
CONTEXT_CHARS = 40
"""Characters of context shown on each side of a match."""


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

    def refresh(self, *, save: bool = True) -> None:
        """Load the cache, then read the files that are new or changed since."""
        self._entries = self._load()
        changed = False
        summaries = self.store.list_summaries()
        for summary in summaries:
            entry = self._entries.get(summary.id)
            if entry is not None and entry.mtime == summary.mtime:
                continue
            try:
                conv = self.store.load(summary.id)
            except StoreError:
                self._entries.pop(summary.id, None)
                continue
            self._entries[summary.id] = _Entry(
                summary.mtime,
                conv.title,
                conv.updated_at.isoformat(),
                conv.system_prompt or "",
                [message.content for message in conv.messages],
            )
            changed = True
        present = {summary.id for summary in summaries}
        for gone in self._entries.keys() - present:
            del self._entries[gone]
            changed = True
        if changed and save:
            self._save()

    def search(self, text: str, limit: int = 50) -> list[Hit]:
        """Conversations matching `text`, most recently updated first."""
        needle = text.strip().casefold()
        if not needle:
            return []
        hits = []
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

    def _load(self) -> dict[str, _Entry]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw.get("version") != INDEX_VERSION:
                return {}
            return {key: _Entry(*row) for key, row in raw["conversations"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}  # rebuilt from the files

    def _save(self) -> None:
        rows = {
            key: [e.mtime, e.title, e.updated, e.system, e.messages]
            for key, e in self._entries.items()
        }
        data = json.dumps({"version": INDEX_VERSION, "conversations": rows}, ensure_ascii=False)
        with contextlib.suppress(OSError):  # only a cache: the next search reads the files
            atomic_write_bytes(self.path, data.encode("utf-8"))


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
