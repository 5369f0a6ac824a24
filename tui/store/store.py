"""`ConversationStore`: owns `<data_dir>/conversations/*.toml` and writes them atomically."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from tui.domain import Conversation
from tui.store.atomic import atomic_write_bytes
from tui.store.blobs import BlobStore
from tui.store.parse_cache import ParseCache
from tui.store.schema import (
    SCHEMA_VERSION,
    SchemaError,
    conversation_from_dict,
    conversation_to_dict,
)


class StoreError(Exception):
    """A conversation file that cannot be read or written; says which and why."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A conversation frozen into plain data, ready to be encoded and written anywhere.

    Taking one is cheap (it shares the immutable strings); encoding and writing it can
    then happen on another thread while the conversation goes on changing.
    """

    path: Path
    data: dict[str, Any]


NO_TIME = datetime.min.replace(tzinfo=UTC)
"""Sorts before every real time: a conversation without one counts as the oldest."""


@dataclass(frozen=True, slots=True)
class Header:
    """The `[conversation]` table of a file: enough to list it without reading messages."""

    id: str
    title: str
    provider: str
    model: str
    updated: datetime | None
    mtime: float
    messages: int | None = None
    """How many messages it holds (None for a file written before the head said so)."""
    cost_usd: float | None = None
    """What its replies cost, where known."""


@dataclass(frozen=True, slots=True)
class Summary:
    """What a directory scan knows about a conversation file without parsing it."""

    id: str
    folder: Path
    mtime: float

    @property
    def path(self) -> Path:
        """The file (made when asked for: a scan of 10,000 files spent 30-50 ms making
        paths that were never used)."""
        return self.folder / f"{self.id}.toml"


class ConversationStore:
    """Reads and writes conversation files; the only code that touches them. Their images
    are in `blobs`, shared by every conversation of the data dir (trash included)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.folder = data_dir / "conversations"
        self.parsed = ParseCache(data_dir)
        self.blobs = BlobStore(data_dir)

    def path_for(self, conversation_id: str) -> Path:
        """The file that holds a conversation."""
        return self.folder / f"{conversation_id}.toml"

    def save(self, conv: Conversation) -> Path:
        """Write `conv` atomically and return its path.

        Raises:
            StoreError: the data dir cannot be written.
        """
        return self.write(self.snapshot(conv))

    def snapshot(self, conv: Conversation) -> Snapshot:
        """Freeze `conv` for a later `write` (cheap; safe to write from another thread)."""
        return Snapshot(self.path_for(conv.id), conversation_to_dict(conv))

    def write(self, snapshot: Snapshot) -> Path:
        """Encode and atomically write a snapshot.

        Raises:
            StoreError: the data dir cannot be written.
        """
        try:
            data = encode_dict(snapshot.data)
        except (TypeError, ValueError) as exc:  # e.g. a lone surrogate cannot be UTF-8
            raise StoreError(snapshot.path, f"could not encode: {exc}") from None
        try:
            atomic_write_bytes(snapshot.path, data)
        except OSError as exc:
            raise StoreError(snapshot.path, f"could not save: {exc.strerror or exc}") from None
        self.parsed.put(snapshot.path, snapshot.data)
        return snapshot.path

    def trash(self, conversation_id: str) -> Path:
        """Move a conversation's file into `<data dir>/trash/` (restore by moving it back).

        Raises:
            StoreError: the file cannot be moved.
        """
        source = self.path_for(conversation_id)
        folder = self.data_dir / "trash"
        target = folder / source.name
        counter = 1
        while target.exists():
            target = folder / f"{conversation_id}.{counter}.toml"
            counter += 1
        self.parsed.forget(source)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        except OSError as exc:
            raise StoreError(
                source, f"could not move to the trash: {exc.strerror or exc}"
            ) from None
        return target

    def read_header(self, summary: Summary) -> Header:
        """Parse only the `[conversation]` table at the top of a file.

        Raises:
            StoreError: the file cannot be read or its head is not valid.
        """
        try:
            head = _read_head(summary.path)
            raw = tomllib.loads(head)
        except OSError as exc:
            raise StoreError(summary.path, f"could not read: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise StoreError(summary.path, f"not valid TOML: {exc}") from None
        table = raw.get("conversation")
        if not isinstance(table, dict):
            raise StoreError(summary.path, "no [conversation] table")
        updated = table.get("updated")
        count, cost = table.get("message_count"), table.get("cost_usd")
        return Header(
            id=summary.id,
            title=str(table.get("title", summary.id)),
            provider=str(table.get("provider", "")),
            model=str(table.get("model", "")),
            updated=updated if isinstance(updated, datetime) else None,
            mtime=summary.mtime,
            messages=count if isinstance(count, int) and not isinstance(count, bool) else None,
            cost_usd=float(cost) if isinstance(cost, int | float) and cost is not True else None,
        )

    def load(self, conversation_id: str) -> Conversation:
        """Parse one conversation file.

        Raises:
            StoreError: missing, unparseable, or of a newer schema than this app knows.
        """
        path = self.path_for(conversation_id)
        if (raw := self.parsed.get(path)) is not None:
            return decode(path, raw)
        try:
            read_as = path.stat()
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise StoreError(path, f"could not read: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise StoreError(path, f"not valid TOML: {exc}") from None
        self.parsed.put(path, raw, read_as)
        return decode(path, raw)

    def mtimes(self) -> dict[str, float]:
        """Every conversation file's id and mtime, in no order: the quickest scan (for
        caches that compare mtimes with thousands of files)."""
        found = {}
        try:
            entries = os.scandir(self.folder)
        except FileNotFoundError:
            return {}
        with entries:
            for entry in entries:
                name = entry.name
                if name.endswith(".toml") and not name.startswith("."):
                    try:
                        found[name[: -len(".toml")]] = entry.stat().st_mtime
                    except FileNotFoundError:
                        continue
        return found

    def list_summaries(self) -> list[Summary]:
        """Every conversation file, most recently changed first (a directory scan only)."""
        summaries = []
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return []
        for entry in entries:
            if entry.name.endswith(".toml") and not entry.name.startswith("."):
                try:
                    mtime = entry.stat().st_mtime
                except FileNotFoundError:
                    continue
                summaries.append(Summary(entry.name[: -len(".toml")], self.folder, mtime))
        summaries.sort(key=lambda s: (s.mtime, s.id), reverse=True)
        return summaries


def encode(conv: Conversation) -> bytes:
    """The exact bytes of a conversation file."""
    return encode_dict(conversation_to_dict(conv))


def encode_dict(data: dict[str, Any]) -> bytes:
    """The exact bytes of a conversation file from its plain-dict form.

    Text with newlines is written as multi-line strings, so a file reads and diffs like
    the conversation itself; but tomli-w would turn "\r\n" into "\n" there, so a
    conversation holding any CRLF is written with escaped one-line strings instead.
    """
    return tomli_w.dumps(data, multiline_strings=not _has_crlf(data)).encode("utf-8")


_MESSAGES_START = b"\n[[messages]]"


def _read_head(path: Path, block: int = 4096) -> str:
    """The text before the first `[[messages]]`, read in blocks: never the whole file."""
    data = b""
    with path.open("rb") as handle:
        while chunk := handle.read(block):
            data += chunk
            cut = data.find(_MESSAGES_START)
            if cut >= 0:
                return data[:cut].decode("utf-8")
    return data.decode("utf-8")


def _has_crlf(value: object) -> bool:
    if isinstance(value, str):
        return "\r\n" in value
    if isinstance(value, dict):
        return any(_has_crlf(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_crlf(v) for v in value)
    return False


def decode(path: Path, raw: dict[str, Any]) -> Conversation:
    """A conversation from a parsed file, checking its schema version.

    Raises:
        StoreError: a newer or broken schema.
    """
    version = raw.get("schema")
    if not isinstance(version, int):
        raise StoreError(path, "no schema number: not a tui-chat conversation file")
    try:
        conv = conversation_from_dict(raw)
    except SchemaError as exc:
        if version > SCHEMA_VERSION:
            newer = f"written by a newer tui-chat (file format {version}; this one knows "
            raise StoreError(path, f"{newer}{SCHEMA_VERSION}) and not readable here") from None
        raise StoreError(path, str(exc)) from None
    if version > SCHEMA_VERSION:
        # Shown as far as this version understands it, and never written back: saving
        # would drop whatever the newer format added.
        conv.read_only = (
            f"{path.name} was written by a newer tui-chat (file format {version}; this one "
            f"knows {SCHEMA_VERSION}), so it is open read-only"
        )
    return conv
