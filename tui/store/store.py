"""`ConversationStore`: owns `<data_dir>/conversations/*.toml` and writes them atomically."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from tui.domain import Conversation
from tui.store.atomic import atomic_write_bytes
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
class Summary:
    """What a directory scan knows about a conversation file without parsing it."""

    id: str
    path: Path
    mtime: float


class ConversationStore:
    """Reads and writes conversation files; the only code that touches them."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.folder = data_dir / "conversations"

    def path_for(self, conversation_id: str) -> Path:
        """The file that holds a conversation."""
        return self.folder / f"{conversation_id}.toml"

    def save(self, conv: Conversation) -> Path:
        """Write `conv` atomically and return its path.

        Raises:
            StoreError: the data dir cannot be written.
        """
        data = encode(conv)
        path = self.path_for(conv.id)
        try:
            atomic_write_bytes(path, data)
        except OSError as exc:
            raise StoreError(path, f"could not save: {exc.strerror or exc}") from None
        return path

    def load(self, conversation_id: str) -> Conversation:
        """Parse one conversation file.

        Raises:
            StoreError: missing, unparseable, or of a newer schema than this app knows.
        """
        path = self.path_for(conversation_id)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise StoreError(path, f"could not read: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise StoreError(path, f"not valid TOML: {exc}") from None
        return decode(path, raw)

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
                summaries.append(Summary(entry.name[: -len(".toml")], Path(entry.path), mtime))
        summaries.sort(key=lambda s: (s.mtime, s.id), reverse=True)
        return summaries


def encode(conv: Conversation) -> bytes:
    """The exact bytes of a conversation file.

    Text with newlines is written as multi-line strings, so a file reads and diffs like
    the conversation itself; but tomli-w would turn "\r\n" into "\n" there, so a
    conversation holding any CRLF is written with escaped one-line strings instead.
    """
    data = conversation_to_dict(conv)
    return tomli_w.dumps(data, multiline_strings=not _has_crlf(data)).encode("utf-8")


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
    version = raw.get("schema_version")
    if not isinstance(version, int):
        raise StoreError(path, "no schema_version: not a tui-chat conversation file")
    if version > SCHEMA_VERSION:
        raise StoreError(
            path, f"written by a newer tui-chat (schema {version}; this one knows {SCHEMA_VERSION})"
        )
    try:
        return conversation_from_dict(raw)
    except SchemaError as exc:
        raise StoreError(path, str(exc)) from None
