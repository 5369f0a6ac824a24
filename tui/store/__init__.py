"""The conversation store: one human-readable TOML file per conversation."""

from tui.store.blobs import BlobStore
from tui.store.saver import BackgroundSaver
from tui.store.store import NO_TIME, ConversationStore, Header, Snapshot, StoreError, Summary

__all__ = [
    "NO_TIME",
    "BackgroundSaver",
    "BlobStore",
    "ConversationStore",
    "Header",
    "Snapshot",
    "StoreError",
    "Summary",
]
