"""The figures for tool rounds, a conversation of 50 images, and memory with MCP servers.

Tool rounds and memory run the real app in tmux with the bench MCP server
(`benchmarks.mcp_tool`) configured; the images run in Textual's own harness
(`benchmarks.images`) in a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from benchmarks import images
from benchmarks.figure import Figure
from benchmarks.server import TOOL_NAME
from benchmarks.terminal import POLL_S, Terminal, memory_mb, process_tree

ROUNDS = 3
MEMORY_SERVERS = 5
REPO = Path(__file__).resolve().parent.parent
"""Put on the MCP server's PYTHONPATH: it starts with a minimal environment and the
app's working directory, so `-m benchmarks.mcp_tool` would not be found otherwise."""
T = TypeVar("T")


class Attempt(Protocol):
    """`Bench.attempt`: run one measurement; None when it failed (and was reported)."""

    def __call__(self, what: str, measure: Callable[[], T]) -> T | None: ...


def server_table(name: str, log: Path) -> str:
    """A `[mcp_servers.NAME]` table running the bench MCP server, its tool pre-approved."""
    args = ["-m", "benchmarks.mcp_tool", "--log", str(log)]
    # JSON strings and arrays are valid TOML.
    return (
        f"\n[mcp_servers.{name}]\ncommand = {json.dumps(sys.executable)}\n"
        f"args = {json.dumps(args)}\nenv = {{ PYTHONPATH = {json.dumps(str(REPO))} }}\n"
        f"auto_approve = [{json.dumps(TOOL_NAME)}]\n"
    )


def jsonl(path: Path) -> list[dict[str, float]]:
    """The JSON lines of `path` (none when it does not exist yet)."""
    try:
        return [json.loads(line) for line in path.read_text().splitlines() if line]
    except FileNotFoundError:
        return []


def wait_for_each(term: Terminal, patterns: list[str], limit_s: float = 60.0) -> list[float]:
    """Poll the screen until every pattern has shown; when each first showed."""
    seen: dict[str, float] = {}
    deadline = time.time() + limit_s
    while len(seen) < len(patterns):
        if time.time() > deadline:
            missing = [p for p in patterns if p not in seen]
            raise TimeoutError(f"{missing} did not appear within {limit_s} s")
        screen, now = term.screen(), time.time()
        seen.update({p: now for p in patterns if p not in seen and re.search(p, screen)})
        time.sleep(POLL_S)  # polling the screen: the thing measured runs elsewhere
    return [seen[p] for p in patterns]


class ToolsAndImages:
    """Measures the new figures with the bench's app command, folder, config and events."""

    def __init__(
        self,
        app: list[str],
        home: Path,
        config: Path,
        env: Callable[[Path], dict[str, str]],
        events: Path,
    ) -> None:
        self.app = app
        self.home = home
        self.config = config
        self.env = env
        self.events = events
        self.server_mb: list[float] = []
        """What the MCP servers of the memory figure held between them, per run."""
        self.figures = {
            "tool_round": Figure(
                f"a reply with {ROUNDS} tool rounds: model's call to the result on screen,"
                " excluding the tool's own run time",
                "<= 50 ms",
                lambda v: v <= 50,
                "ms",
            ),
            "open_images": Figure(
                f"open a conversation with {images.IMAGES} images", "<= 0.5 s", lambda v: v <= 0.5
            ),
            "page_images": Figure(
                "scroll a page through it (no scroll animation, less Pilot's idle wait)",
                "<= 0.1 s",
                lambda v: v <= 0.1,
            ),
            "rss_mcp": Figure(
                f"peak RSS of the app with {MEMORY_SERVERS} MCP servers running"
                " (servers not counted)",
                "<= 150 MB",
                lambda v: v <= 150,
                "MB",
            ),
        }

    def run_once(self, attempt: Attempt) -> None:
        """One run of each measurement; a failure leaves its figure short of a value."""
        figures = self.figures
        if rounds := attempt("tool rounds", self.tool_rounds):
            figures["tool_round"].values += rounds
        if shown := attempt("50 images", self.images):
            figures["open_images"].values.append(shown[0])
            figures["page_images"].values.append(shown[1])
        if memory := attempt("MCP memory", self.memory):
            figures["rss_mcp"].values.append(memory[0])
            self.server_mb.append(memory[1])
            print(
                f"{MEMORY_SERVERS} MCP servers: {statistics.median(self.server_mb):.0f} MB"
                " resident between them (median), besides the app",
                file=sys.stderr,
            )

    def with_servers(self, name: str, count: int) -> tuple[dict[str, str], list[Path]]:
        """An environment whose config adds `count` bench MCP servers; their call logs."""
        folder = self.home / name
        folder.mkdir(exist_ok=True)
        logs = [folder / f"calls-{index}.jsonl" for index in range(count)]
        tables = "".join(server_table(f"bench{i}", log) for i, log in enumerate(logs))
        config = folder / "config.toml"
        config.write_text(self.config.read_text() + tables)
        return {**self.env(folder / "data"), "TUI_CHAT_CONFIG": str(config)}, logs

    def tool_rounds(self) -> list[float]:
        """Milliseconds from each tool call's last byte to its result on screen, less the
        tool's own run time."""
        env, (log,) = self.with_servers(f"tools-{time.time_ns()}", 1)
        patterns = [rf"done ztool{n}\b" for n in range(1, ROUNDS + 1)]
        with Terminal([*self.app, "--model", f"bench-tools{ROUNDS}-len50"], env) as term:
            term.wait_for(r"Message")
            term.wait_idle()  # the MCP server is started after the first paint
            term.text("call the tool")
            term.wait_for(r"call the tool")
            sent = time.time()
            term.keys("Enter")
            shown = wait_for_each(term, patterns)
            term.wait_for(r"ZZEND")
            screen = term.screen()
        if TOOL_NAME not in screen:
            raise TimeoutError(f"no {TOOL_NAME} block on screen:\n{screen}")
        calls = [e for e in jsonl(self.events) if "tool_call" in e and e["tool_call"] >= sent]
        calls.sort(key=lambda e: e["round"])
        runs = jsonl(log)
        if len(calls) != ROUNDS or len(runs) != ROUNDS:
            raise TimeoutError(f"{len(calls)} tool calls sent, {len(runs)} run: not {ROUNDS}")
        pairs = list(zip(shown, calls, runs, strict=True))
        to_tool = [(run["received"] - call["tool_call"]) * 1000 for _, call, run in pairs]
        to_screen = [(seen - run["returned"]) * 1000 for seen, _, run in pairs]
        print(
            "tool rounds, ms: call to the tool's start "
            + ", ".join(f"{v:.0f}" for v in to_tool)
            + "; tool's return to the screen "
            + ", ".join(f"{v:.0f}" for v in to_screen),
            file=sys.stderr,
        )
        return [a + b for a, b in zip(to_tool, to_screen, strict=True)]

    def images(self) -> tuple[float, float]:
        """(seconds to open the 50-image conversation, median seconds of a page up)."""
        data = images.build()
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.images", str(self.config), str(data)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            env={**os.environ, **self.env(data), "TUI_CHAT_IMAGES": "halfcell"},
        )
        opened, animated, *steps = (float(line) for line in out.stdout.split())
        print(f"a page up through the images, animated: {animated:.2f} s", file=sys.stderr)
        return opened, statistics.median(steps)

    def memory(self) -> tuple[float, float]:
        """(peak MB resident of the app alone, MB of its MCP servers) once all are ready."""
        env, _ = self.with_servers(f"memory-{time.time_ns()}", MEMORY_SERVERS)
        with Terminal(self.app, env) as term:
            term.wait_for(r"Message")
            term.wait_idle()
            term.keys("F8")  # the Tools screen: each server's state
            term.wait_for(rf"(?s)(ready, 1 tool.*){{{MEMORY_SERVERS}}}")
            term.keys("Escape")
            term.wait_idle()
            servers = [
                pid
                for pid in process_tree(term.pid)[1:]
                if "benchmarks.mcp_tool" in command_line(pid)
            ]
            if len(servers) != MEMORY_SERVERS:
                raise TimeoutError(f"{len(servers)} MCP server processes, not {MEMORY_SERVERS}")
            app_mb = memory_mb(term.pid, "VmHWM")
            server_mb = sum(memory_mb(p) for s in servers for p in process_tree(s))
        return app_mb, server_mb


def command_line(pid: int) -> str:
    """The command line of `pid`, its arguments joined by spaces ("" when it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
