"""`DataDirLock`: one app at a time writes to a data dir.

The app holds an exclusive `flock` on `<data dir>/.lock` for as long as it runs. A
second app on the same data dir cannot take it and runs read-only (it shows everything
and writes nothing), so two instances never write over each other's files. The lock
goes with the process, however it ends (kill -9 included): no stale lock file to clean
up. `tui-chat ask` takes no lock: it only ever creates new files.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if sys.platform != "win32":
    import fcntl

LOCK_NAME = ".lock"


class DataDirLock:
    """An exclusive, non-blocking lock on a data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; False if another process holds it."""
        if self._fd is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return True  # an unwritable data dir: saving reports that on its own
        if sys.platform == "win32":  # no flock: every instance writes (the README says so)
            self._fd = fd
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Let another app write here."""
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None
