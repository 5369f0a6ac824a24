"""Drive a TUI in a private tmux server and time what appears on its screen.

Times are wall-clock (`time.time()`, comparable with the bench server's event log);
CPU and memory are read from /proc for the app's whole process tree.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

POLL_S = 0.005
SIZE = (160, 48)


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            kids = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        stack.extend(int(k) for k in kids)
    return found


def tree_cpu_s(pid: int) -> float:
    """user + system CPU seconds of `pid` and its descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for proc in process_tree(pid):
        try:
            fields = Path(f"/proc/{proc}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def memory_mb(pid: int, field: str = "VmRSS") -> float:
    """A memory line of /proc/PID/status in MB (`VmHWM`: the peak resident); 0 when the
    process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(rf"{field}:\s+(\d+) kB", status)
    return int(match.group(1)) / 1000 if match else 0.0


def tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and its descendants, in MB."""
    return sum(memory_mb(proc) for proc in process_tree(pid))


class Terminal:
    """One app in one tmux window on a private socket; always cleaned up on exit."""

    def __init__(self, command: list[str], env: Mapping[str, str], size: tuple[int, int] = SIZE):
        self.command = command
        self.env = dict(env)
        self.size = size
        self.folder = tempfile.TemporaryDirectory(prefix="tui-bench-")
        self.socket = str(Path(self.folder.name) / "tmux.sock")
        self.pid = 0
        self.rss_peak_mb = 0.0

    def _tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-S", self.socket, *args], capture_output=True, text=True, check=False
        ).stdout

    def __enter__(self) -> Terminal:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        # `env -i`: the tmux server hands down its own environment otherwise (with, say,
        # PYTHONDONTWRITEBYTECODE, which would make every start compile from source).
        shell = f"exec env -i {exports} {shlex.join(self.command)}"
        width, height = self.size
        self.started = time.time()
        self._tmux("new-session", "-d", "-x", str(width), "-y", str(height), shell)
        self.pid = int(self._tmux("display-message", "-p", "#{pane_pid}").strip() or 0)
        return self

    def __exit__(self, *exc: object) -> None:
        left = process_tree(self.pid) if self.pid else []
        self._tmux("kill-server")
        # Wait for the whole tree (MCP servers take a second to go): the next figure
        # must not share the CPU with this one's leftovers.
        deadline = time.time() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in left) and time.time() < deadline:
            time.sleep(POLL_S)
        self.folder.cleanup()

    def screen(self) -> str:
        """The visible text of the pane."""
        return self._tmux("capture-pane", "-p")

    def keys(self, *keys: str) -> None:
        """tmux key names, e.g. `Enter`, `C-q`."""
        self._tmux("send-keys", *keys)

    def text(self, text: str) -> None:
        """Literal text, as if typed."""
        self._tmux("send-keys", "-l", text)

    def wait_for(self, pattern: str, limit_s: float = 60.0, nudge: str = "") -> float:
        """Poll the screen until `pattern` (a regex) shows; returns that wall time.

        `nudge` is input sent every 0.2 s meanwhile (mouse wheel-downs, for an app that
        stops following the bottom of a reply).
        """
        regex = re.compile(pattern, re.M)
        deadline = time.time() + limit_s
        next_nudge = 0.0
        while time.time() < deadline:
            if regex.search(self.screen()):
                return time.time()
            self.sample_rss()
            if nudge and time.time() >= next_nudge:
                self.text(nudge)
                next_nudge = time.time() + 0.2
            time.sleep(POLL_S)  # polling the screen: the thing measured runs elsewhere
        raise TimeoutError(f"{pattern!r} did not appear within {limit_s} s")

    def wait_stable(self, limit_s: float = 30.0, quiet_s: float = 0.1) -> float:
        """Wait until the screen is non-empty and unchanged for `quiet_s`; returns when
        it first showed that content."""
        deadline = time.time() + limit_s
        last, since = "", time.time()
        while time.time() < deadline:
            now = self.screen()
            if now != last:
                last, since = now, time.time()
            elif now.strip() and time.time() - since >= quiet_s:
                return since
            time.sleep(POLL_S)
        raise TimeoutError("the screen never settled")

    def wait_idle(self, limit_s: float = 30.0, window_s: float = 0.3) -> None:
        """Wait until the app uses (almost) no CPU for `window_s`: start-up work done."""
        deadline = time.time() + limit_s
        while time.time() < deadline:
            before = self.cpu_s()
            time.sleep(window_s)  # sampling CPU over a window
            if self.cpu_s() - before < 0.02:
                return
        raise TimeoutError("the app never went idle")

    def cpu_s(self) -> float:
        """CPU seconds used so far by the app."""
        return tree_cpu_s(self.pid)

    def sample_rss(self) -> None:
        """Record the peak resident memory seen so far."""
        self.rss_peak_mb = max(self.rss_peak_mb, tree_rss_mb(self.pid))
