"""`python -m benchmarks`: measure tui-chat against its speed targets and print a table.

Everything runs on this machine: a loopback streaming server (`benchmarks.server`), the
real app in a private tmux server (`benchmarks.terminal`), histories written with the
project's own store (`benchmarks.history`). Medians of `--runs` runs.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from benchmarks.figure import Figure
from benchmarks.history import BIG_ID, build
from benchmarks.peers import PEERS, PeerResult, ensure_installed, measure
from benchmarks.terminal import Terminal
from benchmarks.tools_images import ToolsAndImages

APP = [sys.executable, "-m", "tui"]
T = TypeVar("T")


class Bench:
    """Owns the server, the temp dirs and the figures of one benchmark run."""

    def __init__(self, runs: int, quick: bool, peers: bool = False) -> None:
        self.runs = runs
        self.quick = quick
        self.peers = peers
        self.same_run: dict[str, list[PeerResult]] = {"tui-chat": []}
        """The 2,000-token stream of each app, measured in this run (with `--peers`)."""
        self.versions: dict[str, str] = {}
        # As an install would: the app's bytecode is compiled before anything is timed.
        spec = importlib.util.find_spec("tui")
        for folder in spec.submodule_search_locations or [] if spec else []:
            compileall.compile_dir(folder, quiet=1)
        self.tmp = tempfile.TemporaryDirectory(prefix="tui-bench-run-")
        self.home = Path(self.tmp.name)
        self.events = self.home / "events.jsonl"
        self.server = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.server", "--events", str(self.events)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.server.stdout is not None
        self.port = int(self.server.stdout.readline().split()[1])
        self.config = self.home / "config.toml"
        self.config.write_text(
            'default_provider = "bench"\n[providers.bench]\nkind = "openai"\n'
            f'base_url = "http://127.0.0.1:{self.port}/v1"\nmodel = "bench-len2000"\n'
        )
        self.figures = {
            "startup": Figure(
                "startup to first paint, empty history", "<= 0.4 s", lambda v: v <= 0.4
            ),
            "startup_big": Figure(
                "startup with 10,000 conversations / 100,000 messages",
                "<= 0.6 s",
                lambda v: v <= 0.6,
            ),
            "first": Figure(
                "first token on screen after the server sent it",
                "<= 50 ms",
                lambda v: v <= 50,
                "ms",
            ),
            "last": Figure(
                "last token on screen after the server's last byte", "<= 0.3 s", lambda v: v <= 0.3
            ),
            "whole": Figure(
                "whole 2,000-token reply on screen after Enter", "<= 0.5 s", lambda v: v <= 0.5
            ),
            "cpu": Figure("CPU for the 2,000-token stream", "<= 1.0 s", lambda v: v <= 1.0),
            "growth": Figure(
                "CPU 8,000 tokens / CPU 2,000 tokens", "<= 4.5x", lambda v: v <= 4.5, "x"
            ),
            "open": Figure("open a 2,000-message conversation", "<= 0.3 s", lambda v: v <= 0.3),
            "open_growth": Figure(
                "open 2,000 messages / open 200 messages", "<= 2x", lambda v: v <= 2, "x"
            ),
            "ask": Figure(
                "tui-chat ask: start to first token printed", "<= 0.35 s", lambda v: v <= 0.35
            ),
            "rss": Figure(
                "peak RSS, 10,000 listed + 2,000-message one open",
                "<= 150 MB",
                lambda v: v <= 150,
                "MB",
            ),
            "echo": Figure(
                "key echo while streaming at max speed", "<= 50 ms", lambda v: v <= 50, "ms"
            ),
        }
        self.extra = ToolsAndImages(APP, self.home, self.config, self.env, self.events)
        self.figures.update(self.extra.figures)

    def close(self) -> None:
        self.server.terminate()
        self.server.wait(5)
        self.tmp.cleanup()

    def env(self, data_dir: Path) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL")}
        return {
            **keep,
            "HOME": str(self.home),
            "TERM": "xterm-256color",
            "TUI_CHAT_CONFIG": str(self.config),
            "TUI_CHAT_DATA_DIR": str(data_dir),
        }

    def last_event(self) -> dict[str, float]:
        lines = self.events.read_text().splitlines()
        return json.loads(lines[-1]) if lines else {}

    # ---------------------------------------------------------------- measurements

    def stream(self, tokens: int) -> tuple[float, float, float, float, float]:
        """Startup, then one reply: (startup, first, last, whole, cpu) in seconds (and,
        for 2,000 tokens, the same figures with peak RSS for the comparison table)."""
        data = Path(tempfile.mkdtemp(dir=self.home))
        command = [*APP, "--model", f"bench-len{tokens}"]
        with Terminal(command, self.env(data)) as term:
            ready = term.wait_for(r"Message")
            # Measure the stream, not the start-up work still going on in the background
            # (the SDK import): a person takes longer than that to type a question.
            term.wait_idle()
            term.text("hello")
            term.wait_for(r"hello")
            cpu0 = term.cpu_s()
            enter = time.time()
            term.keys("Enter")
            first = term.wait_for(r"ZZSTART")
            done = term.wait_for(r"ZZEND")
            cpu = term.cpu_s() - cpu0
        event = self.last_event()
        startup = ready - term.started
        if tokens == 2000:
            result = PeerResult(
                startup, first - event["first"], done - enter, cpu, term.rss_peak_mb
            )
            self.same_run["tui-chat"].append(result)
        return startup, first - event["first"], done - event["last"], done - enter, cpu

    def echo(self) -> float:
        """Seconds from a key press to its echo while a long reply streams at full speed."""
        data = Path(tempfile.mkdtemp(dir=self.home))
        with Terminal([*APP, "--model", "bench-len20000"], self.env(data)) as term:
            term.wait_for(r"Message")
            term.wait_idle()
            term.text("go")
            term.wait_for(r"go")  # a submit key sent before the echo can be lost
            term.keys("Enter")
            term.wait_for(r"tok/s")  # streaming (the first words scroll away at once)
            sent = time.time()
            term.text("qzxq")
            seen = term.wait_for(r"qzxq")
            term.keys("Escape")
        return seen - sent

    def startup_big(self) -> list[tuple[float, float]]:
        """(startup until the list shows, peak RSS with the big conversation open), once
        per run."""
        conversations, each = (500, 10) if self.quick else (10_000, 10)
        data = build(conversations, each, big=2000)
        # A first start writes the list's header cache (as any earlier session would
        # have); the ones after it are measured.
        with Terminal(APP, self.env(data)) as term:
            term.wait_for(r"Bench conversation")
            term.wait_idle()
        starts = []
        for _ in range(self.runs):
            with Terminal(APP, self.env(data)) as term:
                listed = term.wait_for(r"Bench conversation")
                term.wait_for(r"1999: ")  # the big conversation's last message
                term.sample_rss()
                starts.append((listed - term.started, term.rss_peak_mb))
                term.wait_idle()  # the next start must not share the CPU with this one
        return starts

    def open_big(self, messages: int = 2000) -> float:
        """Seconds to open a conversation of `messages`, in Textual's own harness."""
        data = build(0, 0, big=messages)
        code = (
            "import asyncio, time\n"
            "from pathlib import Path\n"
            "from tui.config import load_config\n"
            "from tui.state import AppState\n"
            "from tui.store import ConversationStore\n"
            "from tui.ui.app import ChatApp\n"
            "async def main():\n"
            f"    config = load_config(Path({str(self.config)!r}), Path({str(data)!r}))\n"
            "    app = ChatApp(config, ConversationStore(config.data_dir), state=AppState(),"
            " probe_local=False)\n"
            "    async with app.run_test(size=(160, 48)) as pilot:\n"
            "        await pilot.pause()\n"
            # Start-up work (the SDK import) done first, as for the stream figures.
            "        await app.workers.wait_for_complete()\n"
            "        start = time.perf_counter()\n"
            f"        await app.main_screen.open_conversation({BIG_ID!r})\n"
            "        await pilot.pause()\n"
            "        print(time.perf_counter() - start)\n"
            "asyncio.run(main())\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **self.env(data)},
        )
        return float(out.stdout.strip().splitlines()[-1])

    def ask(self) -> float:
        """Seconds from process start to the first byte of the reply on stdout."""
        command = [*APP, "ask", "--no-save", "--model", "bench-len50", "hi"]
        start = time.time()
        with subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env=self.env(self.home / "ask"),
        ) as proc:
            assert proc.stdout is not None
            proc.stdout.read(1)
            first = time.time()
            proc.wait(30)
        return first - start

    def run(self) -> None:
        figures = self.figures
        for _ in range(self.runs):
            if stream := self.attempt("2,000-token stream", lambda: self.stream(2000)):
                startup, first, last, whole, cpu = stream
                figures["startup"].values.append(startup)
                figures["first"].values.append(first * 1000)
                figures["last"].values.append(last)
                figures["whole"].values.append(whole)
                figures["cpu"].values.append(cpu)
                if not self.quick and (longer := self.attempt("8,000", lambda: self.stream(8000))):
                    figures["growth"].values.append(longer[4] / cpu)
            if (ask := self.attempt("ask", self.ask)) is not None:
                figures["ask"].values.append(ask)
            if (opened := self.attempt("open", self.open_big)) is not None:
                figures["open"].values.append(opened)
                if small := self.attempt("open 200", lambda: self.open_big(200)):
                    figures["open_growth"].values.append(opened / small)
            if (echo := self.attempt("echo", self.echo)) is not None:
                figures["echo"].values.append(echo * 1000)
            self.extra.run_once(self.attempt)
            if self.peers:
                self.run_peers()
        for listed, rss in self.attempt("large history", self.startup_big) or ():
            figures["startup_big"].values.append(listed)
            figures["rss"].values.append(rss)

    def run_peers(self) -> None:
        for peer in PEERS:
            installed = self.attempt(
                f"install {peer.package}", partial(ensure_installed, peer.package, peer.executable)
            )
            if installed is None:
                continue
            exe, self.versions[peer.name] = installed
            run = partial(measure, peer, exe, self.port, self.home, self.last_event)
            if (result := self.attempt(peer.name, run)) is not None:
                self.same_run.setdefault(peer.name, []).append(result)

    def peer_table(self) -> str:
        """The 2,000-token stream for each app, medians, with each peer's ratio to ours."""
        apps = list(self.same_run)
        names = [f"{a} {self.versions[a]}" if a in self.versions else a for a in apps]
        lines = [
            "| figure | " + " | ".join(names) + " |",
            "|---|" + "---|" * len(apps),
        ]
        rows = (
            ("startup", "startup", "s"),
            ("first token on screen after the server sent it", "first", "s"),
            ("whole reply on screen after the submit key", "whole", "s"),
            ("CPU during the stream", "cpu", "s"),
            ("peak RSS", "rss_mb", "MB"),
        )
        ours = self.same_run["tui-chat"]
        for label, attr, unit in rows:
            cells = []
            base = statistics.median(getattr(r, attr) for r in ours) if ours else None
            for app in apps:
                values = [getattr(r, attr) for r in self.same_run[app]]
                if not values:
                    cells.append("n/a")
                    continue
                value = statistics.median(values)
                cell = f"{value:.3g} {unit}"
                if app != "tui-chat" and base:
                    cell += f" ({value / base:.1f}x)"
                cells.append(cell)
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        runs = ", ".join(f"{a}: {len(self.same_run[a])}" for a in apps)
        return "\n".join(
            [*lines, "", f"Runs that finished: {runs}. (Nx) = that app's figure / tui-chat's."]
        )

    @staticmethod
    def attempt(what: str, measure: Callable[[], T]) -> T | None:
        """Run one measurement; a failure is reported and leaves its figure empty."""
        try:
            return measure()
        except (TimeoutError, subprocess.SubprocessError, OSError, KeyError) as exc:
            print(f"{what}: failed: {exc}", file=sys.stderr)
            return None

    def table(self) -> str:
        lines = ["| figure | measured (median) | target | |", "|---|---|---|---|"]
        lines += [figure.row() for figure in self.figures.values()]
        return "\n".join(lines)


def cpu_probe_ms() -> float:
    """Milliseconds a fixed pure-Python loop takes (best of 5): how fast this machine runs
    Python right now. Its speed swings by 2-4x through a day; figures of two runs compare
    only when their probes agree."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        sum(range(3_000_000))
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument(
        "--quick", action="store_true", help="small histories, no 8,000-token run (a smoke test)"
    )
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also measure elia and oterm on the same reply (installed on first use)",
    )
    args = parser.parse_args()
    bench = Bench(args.runs, args.quick, args.peers)
    before = cpu_probe_ms()
    try:
        bench.run()
    finally:
        bench.close()
    after = cpu_probe_ms()
    print(bench.table())
    print(
        f"\nMachine speed: a fixed Python loop took {before:.0f} ms before the run and "
        f"{after:.0f} ms after it (compare runs whose loops agree)."
    )
    if args.peers:
        print()
        print(bench.peer_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
