"""MCP servers for tests, as configs the app takes: real programs, never mocks.

Every test that needs tools (hub, engine, UI, CLI) builds its `[mcp_servers]` from these:

    from tests.mcp_helpers import toolbox_config, toolbox_http, http_config

    alpha = toolbox_config("alpha")                       # stdio, every default tool
    beta = toolbox_config("beta", tools=("echo", "shout"), timeout=0.5)
    with toolbox_http(token="s3cret") as url:             # a local HTTP server
        web = http_config("web", url, {"Authorization": "Bearer ${TOKEN}"})
    box = http_box(box_url, auto_approve=["add"])         # the suite's shared one

The toolbox's tools are listed in `tests/mcp_servers/toolbox.py` (`add`, `echo`, `slow`,
`fail`, `huge`, `die`, `getenv`, `whoami`, `pid`, `counts`, and `shout` on request).
A stdio toolbox takes about a second to start (it imports the MCP SDK), so start one per
module where you can; `bare_config` is a server without the SDK (`echo`, `die`) that
starts in milliseconds. Configs for servers that fail in known ways are here too.
"""

from __future__ import annotations

import select
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import IO

from tui.config.model import DEFAULT_TOOL_TIMEOUT_S, McpServerConfig

TOOLBOX = Path(__file__).parent / "mcp_servers" / "toolbox.py"
BARE = Path(__file__).parent / "mcp_servers" / "bare.py"
HTTP_START_S = 20.0
"""How long an HTTP toolbox may take to say it listens (a guard, not a pace)."""


def toolbox_config(
    name: str = "toolbox",
    *,
    tools: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TOOL_TIMEOUT_S,
    auto_approve: Sequence[str] = (),
    enabled: bool = True,
) -> McpServerConfig:
    """A stdio toolbox server named `name` (also its MCP server name), offering `tools`
    (default: all but `shout`), with `env` added to its environment."""
    args = [str(TOOLBOX), "--name", name]
    if tools is not None:
        args += ["--tools", ",".join(tools)]
    return McpServerConfig(
        name=name,
        command=sys.executable,
        args=(*args, "stdio"),
        env=dict(env or {}),
        timeout=timeout,
        auto_approve=tuple(auto_approve),
        enabled=enabled,
    )


def bare_config(name: str = "bare", *, once: Path | None = None) -> McpServerConfig:
    """The SDK-free stdio server (`echo`, `die`), which starts in milliseconds; with
    `once`, a second start fails (it exits at once)."""
    args = [str(BARE), "--name", name]
    if once is not None:
        args += ["--once", str(once)]
    return McpServerConfig(name=name, command=sys.executable, args=tuple(args))


def http_config(
    name: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    timeout: float = DEFAULT_TOOL_TIMEOUT_S,
) -> McpServerConfig:
    """A streamable-HTTP server at `url` (e.g. from `toolbox_http`)."""
    return McpServerConfig(name=name, url=url, headers=dict(headers or {}), timeout=timeout)


def http_box(url: str, *, auto_approve: Sequence[str] = ()) -> McpServerConfig:
    """The suite's shared toolbox (the `box_url` fixture) as the server `box`."""
    return replace(http_config("box", url), auto_approve=tuple(auto_approve))


def exits_at_once_config(
    name: str = "quits", *, stderr: str = "bad token", status: int = 3
) -> McpServerConfig:
    """A program that writes `stderr` and exits with `status` before any handshake."""
    code = f"import sys; sys.stderr.write({stderr!r} + '\\n'); sys.exit({status})"
    return McpServerConfig(name=name, command=sys.executable, args=("-c", code))


def silent_config(name: str = "silent") -> McpServerConfig:
    """A program that never answers the handshake (it reads stdin until it closes, so it
    ends as soon as it is stopped)."""
    return McpServerConfig(
        name=name, command=sys.executable, args=("-c", "import sys; sys.stdin.read()")
    )


def missing_program_config(name: str = "missing") -> McpServerConfig:
    """A server whose program does not exist anywhere on PATH."""
    return McpServerConfig(name=name, command="tui-chat-no-such-mcp-server")


def unused_port() -> int:
    """A 127.0.0.1 port nothing listens on (free when asked; nothing binds it after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def toolbox_http(
    *,
    name: str = "web",
    token: str | None = None,
    tools: Sequence[str] | None = None,
    log: Path | None = None,
) -> Iterator[str]:
    """A toolbox served over streamable HTTP on a free 127.0.0.1 port; yields its URL.

    With `token`, requests without `Authorization: Bearer <token>` get 401. The server
    prints its port once its socket listens, so the URL accepts connections as soon as
    it is yielded (no polling). Its stderr goes to `log` (default: discarded). Blocking:
    use it in a sync fixture (module scope: it takes about a second to start).
    """
    args = [sys.executable, str(TOOLBOX), "--name", name]
    if token:
        args += ["--token", token]
    if tools is not None:
        args += ["--tools", ",".join(tools)]
    with _log_file(log) as stderr:
        process = subprocess.Popen(
            [*args, "http", "0"], stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        try:
            yield f"http://127.0.0.1:{_read_port(process)}/mcp"
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()


@contextmanager
def _log_file(path: Path | None) -> Iterator[int | IO[str]]:
    if path is None:
        yield subprocess.DEVNULL
        return
    with path.open("a", encoding="utf-8") as file:
        yield file


def _read_port(process: subprocess.Popen[str]) -> int:
    """The port the server prints first, waiting at most `HTTP_START_S`."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], HTTP_START_S)
    line = process.stdout.readline() if ready else ""
    if not line.strip().isdigit():
        process.kill()
        raise RuntimeError(f"the HTTP toolbox did not start (exit {process.poll()}): {line!r}")
    return int(line)
