"""Saving when the disk says no: nothing on disk is damaged, writes are retried."""

from __future__ import annotations

import shutil
import threading
import tomllib
from pathlib import Path

from tui.domain import ChatMessage, Conversation, Role
from tui.store import BackgroundSaver, ConversationStore, StoreError
from tui.store.store import Snapshot


def conversation(text: str) -> Conversation:
    conv = Conversation.start("offline", "offline-guide")
    conv.add(ChatMessage(Role.USER, text))
    return conv


class VirtualTime:
    """The saver's clock and wait, moved on only by the test: a retry is due when the
    test says so, and `advance` returns once the saver has done all that was due."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits = 0
        """How many times the saver thread has gone back to waiting."""
        self._condition: threading.Condition | None = None

    def clock(self) -> float:
        return self.now

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        """The saver's wait (its condition held): until a submit or an `advance`."""
        self._condition = condition
        self.waits += 1
        condition.notify_all()  # `advance` waits for this
        condition.wait()

    def advance(self, seconds: float) -> None:
        condition = self._condition
        assert condition is not None, "the saver never waited"
        with condition:
            self.now += seconds
            waits = self.waits
            condition.notify_all()
            # The saver looks at the new time (retrying what is due), then waits again.
            assert condition.wait_for(lambda: self.waits > waits, timeout=10)


class CountingStore(ConversationStore):
    """A store that notes the (virtual) time of every write the saver tries."""

    def __init__(self, folder: Path, time: VirtualTime) -> None:
        super().__init__(folder)
        self.time = time
        self.tried: list[float] = []

    def write(self, snapshot: Snapshot) -> Path:
        self.tried.append(self.time.now)
        return super().write(snapshot)


def test_a_failed_write_is_retried_until_the_disk_takes_it(tmp_path: Path) -> None:
    time = VirtualTime()
    store = CountingStore(tmp_path, time)
    tmp_path.mkdir(exist_ok=True)
    store.folder.write_text("a file where the folder should be")  # every write fails
    errors: list[StoreError] = []
    recovered = threading.Event()
    saver = BackgroundSaver(
        store,
        on_error=errors.append,
        on_recovered=lambda _: recovered.set(),
        clock=time.clock,
        wait=time.wait,
    )
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
    assert store.tried == [0, 0]  # the newer one went at once
    for _ in range(100):
        time.advance(1)
    # Retried after 2, 4, 8, 16 s (the back-off had reached 1 s), then every 30 s.
    assert store.tried == [0, 0, 2, 6, 14, 30, 60, 90]
    assert not recovered.is_set()
    store.folder.unlink()  # room again
    time.advance(20)  # the next retry is due at 120 s
    assert recovered.wait(timeout=10)
    assert store.tried[-1] == 120
    assert saver.failing == []
    assert [m.content for m in store.load(conv.id).messages] == ["keep me", "and me"]
    assert len(errors) == 1


def test_a_failing_write_leaves_the_file_on_disk_as_it_was(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv = conversation("first version")
    path = store.save(conv)
    before = path.read_bytes()
    conv.add(ChatMessage(Role.ASSISTANT, "\ud800"))  # cannot be encoded: the write fails
    time = VirtualTime()  # no retries in the background after the test
    saver = BackgroundSaver(store, clock=time.clock, wait=time.wait)
    saver.submit(store.snapshot(conv))
    assert saver.flush(timeout=10) is False
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_rescue_writes_what_could_not_be_saved_somewhere_else(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    store.folder.parent.mkdir(parents=True, exist_ok=True)
    store.folder.write_text("blocker")
    time = VirtualTime()  # no retries in the background after the test
    saver = BackgroundSaver(store, clock=time.clock, wait=time.wait)
    conv = conversation("rescue me")
    saver.submit(store.snapshot(conv))
    saver.flush(timeout=10)
    (rescued,) = saver.rescue()
    try:
        data = tomllib.loads(rescued.read_text(encoding="utf-8"))
        assert data["messages"][0]["content"] == "rescue me"
    finally:
        shutil.rmtree(rescued.parent)


def test_flush_returns_only_once_the_saved_callback_has_run(tmp_path: Path) -> None:
    """A caller acting right after `flush()` sees what `on_saved` did (the search index
    updated): the saver calls back first, then wakes the flushers."""
    store = ConversationStore(tmp_path)
    in_callback, go_on = threading.Event(), threading.Event()
    called_back: list[Path] = []

    def on_saved(snapshot: Snapshot) -> None:
        in_callback.set()
        go_on.wait(10)
        called_back.append(snapshot.path)

    saver = BackgroundSaver(store, on_saved=on_saved)
    conv = conversation("index me")
    saver.submit(store.snapshot(conv))
    assert in_callback.wait(10)  # the file is written; the callback has not finished
    assert store.path_for(conv.id).exists()
    assert saver.flush(timeout=0) is False  # so the save is not done yet
    go_on.set()
    assert saver.flush(timeout=10) is True
    assert called_back == [store.path_for(conv.id)]
