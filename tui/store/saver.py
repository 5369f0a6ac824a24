"""`BackgroundSaver`: writes snapshots on one background thread, newest wins, and retries.

Saving a long conversation (encode + fsync) takes milliseconds to tens of them; the UI
must not stall on it while a reply streams. Writes for one file never overtake each
other: a single thread writes, and a snapshot waiting in line is replaced by a newer one.

A write that fails (disk full, data dir read-only) is tried again after 1, 2, 4 … 30
seconds, until it succeeds or a newer snapshot of the same file replaces it. Nothing
on disk is touched by a failed write (see `atomic_write_bytes`). The clock and the wait
between retries are the saver's `clock` and `wait` (tests pass a virtual time).

`flush()` returns once everything submitted has been tried *and* its callbacks have
run, so a caller acting right after it sees what `on_saved` did (the search index); a
callback must therefore never wait for `flush()` itself.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.store.atomic import atomic_write_bytes
from tui.store.store import ConversationStore, Snapshot, StoreError, encode_dict

ErrorCallback = Callable[[StoreError], None]
RecoveredCallback = Callable[[Path], None]
SavedCallback = Callable[[Snapshot], None]
Clock = Callable[[], float]
Wait = Callable[[threading.Condition, float | None], object]
"""Wait on the saver's condition (held by the caller) until notified or `timeout`
seconds have passed (None: no limit), like `threading.Condition.wait`."""
FIRST_RETRY_S = 1.0
LAST_RETRY_S = 30.0

log = logging.getLogger(__name__)


class BackgroundSaver:
    """Queue of pending snapshots (one per file) drained by a daemon thread."""

    def __init__(
        self,
        store: ConversationStore,
        on_error: ErrorCallback | None = None,
        on_recovered: RecoveredCallback | None = None,
        on_saved: SavedCallback | None = None,
        *,
        clock: Clock = time.monotonic,
        wait: Wait = threading.Condition.wait,
    ) -> None:
        self.store = store
        self.on_saved = on_saved
        """Called (on the saver thread) after each snapshot is written."""
        self.on_error = on_error
        """Called (on the saver thread) when a file's writes start failing."""
        self.on_recovered = on_recovered
        """Called (on the saver thread) when a file that failed is written again."""
        self._pending: dict[Path, Snapshot] = {}
        self._failed: dict[Path, tuple[Snapshot, float, float]] = {}
        """Snapshots waiting to be retried: (snapshot, when, current back-off)."""
        self._clock = clock
        """Seconds, for the retry schedule."""
        self._wait = wait
        """How the saver thread waits for a retry to be due or a new snapshot."""
        self._lock = threading.Condition()
        self._busy = False
        """A snapshot is being written, or its callbacks are running."""
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
        """Block until everything submitted so far has been tried once and called back
        about; True if all of it is on disk (False on timeout or while some file keeps
        failing)."""
        with self._lock:
            done = self._lock.wait_for(lambda: not self._pending and not self._busy, timeout)
            return done and not self._failed

    @property
    def failing(self) -> list[Path]:
        """Files whose latest snapshot is not on disk yet."""
        with self._lock:
            return sorted(self._failed)

    def rescue(self) -> list[Path]:
        """Write every snapshot that could not be saved into a folder in the system temp
        dir (the last resort before quitting); returns the files written there."""
        with self._lock:
            failed = [snapshot for snapshot, _, _ in self._failed.values()]
        folder = Path(tempfile.gettempdir()) / f"tui-chat-unsaved-{time.strftime('%Y%m%d-%H%M%S')}"
        written = []
        for snapshot in failed:
            target = folder / snapshot.path.name
            try:
                folder.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(target, encode_dict(snapshot.data))
            except (OSError, TypeError, ValueError):
                continue
            written.append(target)
        return written

    def _next(self) -> Snapshot:
        """Wait for the next snapshot to write: a new one, or a failed one now due."""
        with self._lock:
            while True:
                now = self._clock()
                for path, (snapshot, due, _) in list(self._failed.items()):
                    if due <= now and path not in self._pending:
                        self._pending[path] = snapshot
                if self._pending:
                    path = next(iter(self._pending))
                    self._busy = True
                    return self._pending.pop(path)
                waits = [due - now for _, due, _ in self._failed.values()]
                self._wait(self._lock, max(0.05, min(waits)) if waits else None)

    def _run(self) -> None:
        while True:
            snapshot = self._next()
            error: StoreError | None = None
            try:
                self.store.write(snapshot)
            except Exception as exc:  # the thread must outlive any one bad write
                error = exc if isinstance(exc, StoreError) else StoreError(snapshot.path, str(exc))
            with self._lock:
                first_failure = snapshot.path not in self._failed
                recovered = error is None and not first_failure
                if error is None:
                    self._failed.pop(snapshot.path, None)
                elif snapshot.path not in self._pending:  # a newer snapshot replaces it
                    backoff = self._failed.get(snapshot.path, (snapshot, 0.0, 0.0))[2]
                    backoff = min(LAST_RETRY_S, max(FIRST_RETRY_S, backoff * 2))
                    self._failed[snapshot.path] = (snapshot, self._clock() + backoff, backoff)
            # Call back before waking `flush()`: whoever waits for the save may rely on
            # what the callbacks do (the search index taking the new text in).
            try:
                if error is not None and first_failure:
                    _call(self.on_error, error)
                if recovered:
                    _call(self.on_recovered, snapshot.path)
                if error is None:
                    _call(self.on_saved, snapshot)
            finally:
                with self._lock:
                    self._busy = False
                    self._lock.notify_all()


def _call(callback: Callable[[Any], None] | None, argument: object) -> None:
    """Run a callback on the saver's thread; a failing one must not stop the saving."""
    if callback is None:
        return
    try:
        callback(argument)
    except Exception:
        log.exception("saver callback failed")
