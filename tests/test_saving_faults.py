"""Saving when the disk says no: nothing on disk is damaged, writes are retried."""

from __future__ import annotations

import shutil
import threading
import tomllib
from pathlib import Path

from tui.domain import ChatMessage, Conversation, Role
from tui.store import BackgroundSaver, ConversationStore, StoreError


def conversation(text: str) -> Conversation:
    conv = Conversation.start("offline", "offline-guide")
    conv.add(ChatMessage(Role.USER, text))
    return conv


def test_a_failed_write_is_retried_until_the_disk_takes_it(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    store.folder.write_text("a file where the folder should be")  # every write fails
    errors: list[StoreError] = []
    recovered = threading.Event()
    saver = BackgroundSaver(store, on_error=errors.append, on_recovered=lambda _: recovered.set())
    conv = conversation("keep me")
    saver.submit(store.snapshot(conv))
    assert saver.flush(timeout=10) is False  # tried, failed
    assert saver.failing == [store.path_for(conv.id)]
    assert len(errors) == 1
    assert errors[0].path == store.path_for(conv.id)
    conv.add(ChatMessage(Role.ASSISTANT, "and me"))
    saver.submit(store.snapshot(conv))  # a newer snapshot replaces the failed one
    saver.flush(timeout=10)
    assert len(errors) == 1  # one notice per failing file, not one per attempt
    store.folder.unlink()  # room again
    assert recovered.wait(timeout=30)
    assert saver.failing == []
    assert [m.content for m in store.load(conv.id).messages] == ["keep me", "and me"]


def test_a_failing_write_leaves_the_file_on_disk_as_it_was(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv = conversation("first version")
    path = store.save(conv)
    before = path.read_bytes()
    conv.add(ChatMessage(Role.ASSISTANT, "\ud800"))  # cannot be encoded: the write fails
    saver = BackgroundSaver(store)
    saver.submit(store.snapshot(conv))
    assert saver.flush(timeout=10) is False
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_rescue_writes_what_could_not_be_saved_somewhere_else(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    store.folder.parent.mkdir(parents=True, exist_ok=True)
    store.folder.write_text("blocker")
    saver = BackgroundSaver(store)
    conv = conversation("rescue me")
    saver.submit(store.snapshot(conv))
    saver.flush(timeout=10)
    (rescued,) = saver.rescue()
    try:
        data = tomllib.loads(rescued.read_text(encoding="utf-8"))
        assert data["messages"][0]["content"] == "rescue me"
    finally:
        shutil.rmtree(rescued.parent)
