"""Tools in `tui-chat ask`: the options, starting the servers, asking on the terminal,
and printing each call and result.

Nothing runs unasked: a call that is not auto-approved is asked about on the
controlling terminal (`/dev/tty`, so a pipe on stdin or stdout does not matter); with
no terminal it is declined and stderr says how to allow it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any, TextIO

from tui.cli.options import fail
from tui.config import Config
from tui.engine.state import ToolCall
from tui.engine.tool_step import Phase, ToolActivity, ToolStep
from tui.inert import make_inert
from tui.tools.approval import ApprovalPolicy, Decision
from tui.tools.model import ServerState, ToolInfo

if TYPE_CHECKING:
    from tui.tools.hub import ToolHub

OpenTty = Callable[[], tuple[TextIO, TextIO] | None]
"""Opens the terminal to ask on: (to read from, to write to), or None when there is none."""


def add_tool_options(parser: argparse.ArgumentParser) -> None:
    """`--tools`, `--server NAME`, `--approve-tools`."""
    parser.add_argument(
        "--tools",
        action="store_true",
        help="offer the model the tools of every enabled MCP server ([mcp_servers] in the config)",
    )
    parser.add_argument(
        "--server",
        action="append",
        default=[],
        metavar="NAME",
        help="offer only this MCP server's tools (repeatable; implies --tools)",
    )
    parser.add_argument(
        "--approve-tools",
        action="store_true",
        help="run every tool call without asking (otherwise calls not in auto_approve are "
        "asked about on the terminal, and declined when there is none)",
    )


def chosen_servers(config: Config, args: argparse.Namespace) -> list[str] | None:
    """The servers whose tools are offered (None: no tools); exits 2 on an unknown name."""
    if not args.tools and not args.server:
        return None
    known = {server.name: server for server in config.mcp_servers}
    for name in args.server:
        if name not in known:
            names = ", ".join(known) or "none are configured"
            fail(f"tui-chat ask: no MCP server named '{name}' ({names}).")
    if args.server:
        return list(dict.fromkeys(args.server))
    return [server.name for server in config.mcp_servers if server.enabled]


def open_tty(path: str = "/dev/tty") -> tuple[TextIO, TextIO] | None:
    """The controlling terminal (a reader and a writer: a terminal cannot be opened for
    both as one text file, which needs to seek), or None when there is none."""
    try:
        reader = open(path, encoding="utf-8", errors="replace")  # noqa: SIM115 (returned)
    except OSError:
        return None
    try:
        return reader, open(path, "w", encoding="utf-8")
    except OSError:
        reader.close()
        return None


class TerminalApprover:
    """Asks about each call on the terminal: y (once), a (always), n (no)."""

    def __init__(self, err: TextIO, tty: OpenTty = open_tty) -> None:
        self.err = err
        self.open_tty = tty

    async def __call__(self, call: ToolCall, tool: ToolInfo) -> Decision:
        terminal = self.open_tty()
        if terminal is None:
            self.err.write(
                f"tui-chat ask: declined {tool.server}/{tool.name}: there is no terminal to "
                f"ask on. Pass --approve-tools, or add \"{tool.name}\" to auto_approve in "
                f"[mcp_servers.{tool.server}].\n"
            )
            self.err.flush()
            return Decision.DENY
        reader, writer = terminal
        with reader, writer:
            writer.write(
                make_inert(
                    f"The model wants to run {tool.name} on {tool.server}:\n"
                    f"{pretty_arguments(call.arguments)}\n"
                )
                + "Run it? [y] once, [a] always this session, [n] no: "
            )
            writer.flush()
            answer = await read_line(reader)
        word = answer.strip().lower()[:1]
        return {"y": Decision.ONCE, "a": Decision.ALWAYS}.get(word, Decision.DENY)


async def read_line(reader: TextIO) -> str:
    """A line from `reader`, read on a daemon thread: Ctrl+C at the question must end
    the program at once (asyncio would wait for an executor thread's `readline`)."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str] = loop.create_future()

    def read() -> None:
        try:
            line = reader.readline()
        except (OSError, ValueError):
            line = ""
        def give() -> None:
            if not answer.done():
                answer.set_result(line)

        with suppress(RuntimeError):  # the program ended meanwhile (Ctrl+C)
            loop.call_soon_threadsafe(give)

    threading.Thread(target=read, name="tty-question", daemon=True).start()
    return await answer


def pretty_arguments(arguments: str) -> str:
    """The arguments as indented JSON (as sent, when they are not JSON)."""
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except json.JSONDecodeError:
        return arguments


async def start_tools(
    config: Config,
    names: list[str],
    say: Callable[[str], None],
    *,
    approve_all: bool,
    approver: TerminalApprover,
    put_image: Callable[[bytes, str], str],
) -> tuple[ToolHub, ToolStep]:
    """Start the chosen servers, name those that failed (`say` writes to stderr), and
    return the hub with the step that offers the tools of the others. Images tools
    return are kept with `put_image` (the blob store, or memory with --no-save)."""
    from tui.logs import log_dir
    from tui.session.tools import keep_in
    from tui.tools.hub import ToolHub

    servers = [server for server in config.mcp_servers if server.name in names]
    keep = keep_in(put_image)
    hub = ToolHub(servers, environ=os.environ, log_dir=log_dir(), keep_image=keep)
    await hub.start(names)
    for status in hub.statuses():
        if status.state is ServerState.FAILED:
            say(f"tui-chat ask: MCP server '{status.name}' failed: {status.error}\n")
            for line in status.stderr_tail[-5:]:
                say(f"  {status.name}: {line}\n")
        elif status.state is ServerState.DISABLED:
            say(f"tui-chat ask: MCP server '{status.name}' is disabled in the config.\n")
    policy = ApprovalPolicy({s.name: s for s in servers}, approve_all=approve_all)
    step = ToolStep(hub, hub.tools(names), approver, policy, config.max_tool_rounds)
    return hub, step


class ToolPrinter:
    """Prints tool activity: JSON lines with --json, else one line each on stderr."""

    def __init__(self, write_json: Callable[[dict[str, Any]], None] | None, err: TextIO) -> None:
        self.write_json = write_json
        self.err = err
        self.announced: set[int] = set()

    def activity(self, activity: ToolActivity, write_err: Callable[[str], None]) -> None:
        """Print one change of a call (its first appearance, and its result)."""
        call = activity.call
        if id(call) not in self.announced:
            self.announced.add(id(call))
            if self.write_json is not None:
                self.write_json(
                    {
                        "type": "tool_call",
                        "id": call.id,
                        "name": call.name,
                        "server": call.server or None,
                        "arguments": call.arguments,
                    }
                )
            else:
                where = f" on {call.server}" if call.server else ""
                write_err(f"[tool] {call.name}{where} {call.arguments}\n")
        if activity.phase is not Phase.DONE or call.result is None:
            return
        result = call.result
        if self.write_json is not None:
            self.write_json(
                {
                    "type": "tool_result",
                    "id": call.id,
                    "name": call.name,
                    "text": result.text,
                    "is_error": result.is_error,
                }
            )
            return
        took = f", {result.duration_s:.2f} s" if result.duration_s is not None else ""
        mark = "error" if result.is_error else "result"
        first = " ".join(result.text.split())[:100]
        write_err(f"[tool {mark}] {call.name}: {len(result.text)} characters{took}: {first}\n")
