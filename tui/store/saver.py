"""`BackgroundSaver`: writes snapshots on one background thread, newest wins.

Saving a long conversation (encode + fsync) takes milliseconds to tens of them; the UI
must not stall on it while a reply streams. Writes for one file never overtake each
other: a single thread writes, and a snapshot waiting in line is replaced by a newer one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from tui.store.store import ConversationStore, Snapshot, StoreError

ErrorCallback = Callable[[StoreError], None]


class BackgroundSaver:
    """Queue of pending snapshots (one per file) drained by a daemon thread."""

    def __init__(self, store: ConversationStore, on_error: ErrorCallback | None = None) -> None:
        self.store = store
        self.on_error = on_error
        self._pending: dict[Path, Snapshot] = {}
        self._lock = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None

    def submit(self, snapshot: Snapshot) -> None:
        """Write `snapshot` soon, replacing any older one for the same file still waiting."""
        with self._lock:
            self._pending[snapshot.path] = snapshot
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="saver", daemon=True)
                self._thread.start()
            self._lock.notify_all()

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Block until everything submitted so far has been written or has failed (failures
        go to `on_error`); False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._pending and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: bool(self._pending))
                path = next(iter(self._pending))
                snapshot = self._pending.pop(path)
                self._busy = True
            try:
                self.store.write(snapshot)
            except Exception as exc:  # the thread must outlive any one bad write
                error = exc if isinstance(exc, StoreError) else StoreError(snapshot.path, str(exc))
                if self.on_error is not None:
                    self.on_error(error)
            finally:
                with self._lock:
                    self._busy = False
                    self._lock.notify_all()
