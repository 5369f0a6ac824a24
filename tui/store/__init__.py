"""The conversation store: one human-readable TOML file per conversation."""

from tui.store.store import ConversationStore, StoreError, Summary

__all__ = ["ConversationStore", "StoreError", "Summary"]
