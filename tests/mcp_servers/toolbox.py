"""A real MCP server with tools that misbehave on request, for the tool tests.

Run as a program, never imported by the app:

    python tests/mcp_servers/toolbox.py [--name NAME] [--tools a,b] stdio
    python tests/mcp_servers/toolbox.py [--token SECRET] http [PORT]

It is started by file path (not `-m`), so it works from any working directory and
imports nothing of this repository. Over HTTP it binds 127.0.0.1 (port 0 picks a free
one) and prints the port as the first line of stdout once the socket listens, so a test
can connect without guessing or polling; with `--token`, requests without
`Authorization: Bearer SECRET` are answered 401.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import socket
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image
from mcp_types import ImageContent, TextContent

DEFAULT_TOOLS = (
    "add",
    "echo",
    "slow",
    "fail",
    "huge",
    "die",
    "getenv",
    "whoami",
    "pid",
    "counts",
)
"""The tools a server offers unless `--tools` names others (`shout` and `picture` only
on request, so a second server can offer a name the first does not)."""

_started = 0
"""How many `slow` calls have begun."""
_cancelled = 0
"""How many `slow` calls were interrupted by the client's MCP cancellation."""


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


def shout(text: str) -> str:
    """Return the text in capitals."""
    return text.upper()


async def slow(seconds: float) -> str:
    """Sleep for `seconds`, then say so (counts the calls that were cancelled)."""
    global _started, _cancelled
    _started += 1
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        _cancelled += 1
        raise
    return f"slept {seconds} s"


async def counts(started: int = 0, cancelled: int = 0) -> str:
    """`started=N cancelled=M` for `slow` calls, waiting (5 s at most) for both to reach
    the numbers given: how a test knows a call is under way, or was cancelled."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5.0
    while (_started < started or _cancelled < cancelled) and loop.time() < deadline:  # noqa: ASYNC110 (a bounded poll)
        await asyncio.sleep(0.01)
    return f"started={_started} cancelled={_cancelled}"


def fail() -> str:
    """Always raise, so the client gets an `isError` result."""
    raise ToolError("this tool always fails")


def huge(chars: int) -> str:
    """A string of `chars` characters."""
    return ("0123456789" * (chars // 10 + 1))[:chars]


def die() -> str:
    """End the server process in the middle of the call."""
    sys.stderr.write("toolbox: dying on request\n")
    sys.stderr.flush()
    os._exit(7)


def getenv(name: str) -> str:
    """The value of an environment variable in the server's process, or `<unset>`."""
    return os.environ.get(name, "<unset>")


def whoami(ctx: Context) -> str:
    """The Authorization header of the HTTP request (`<none>` over stdio or without one)."""
    headers = ctx.headers or {}
    return headers.get("authorization", "<none>")


def pid() -> int:
    """The server's process id (a restarted server has a new one)."""
    return os.getpid()


RED_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAGCAIAAABxZ0isAAAAFElEQVR4nGM8oaHBgA0wYRWlkwQAppoBJCiW4EgAAAAASUVORK5CYII="
)
"""An 8 by 6 red PNG."""


def picture() -> list[TextContent | ImageContent]:
    """A caption and a small red PNG (an image in a tool result)."""
    return [
        TextContent(type="text", text="a red rectangle"),
        Image(data=RED_PNG, format="png").to_image_content(),
    ]


TOOLS: dict[str, Callable[..., Any]] = {
    fn.__name__: fn
    for fn in (add, echo, shout, slow, counts, fail, huge, die, getenv, whoami, pid, picture)
}

Scope = MutableMapping[str, Any]
Asgi = Callable[
    [Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]


def guarded(app: Asgi, token: str) -> Asgi:
    """`app`, answering HTTP requests without the bearer `token` with 401."""
    expected = f"Bearer {token}".encode()

    async def guard(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and dict(scope["headers"]).get(b"authorization") != expected:
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [(b"content-type", b"text/plain")],
                }
            )
            await send({"type": "http.response.body", "body": b"unauthorized"})
            return
        await app(scope, receive, send)

    return guard


def serve_http(server: MCPServer, port: int, token: str | None) -> None:
    """Listen on 127.0.0.1:`port`, print the port, and serve until killed."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)
    app: Asgi = server.streamable_http_app(host="127.0.0.1")
    if token:
        app = guarded(app, token)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    print(sock.getsockname()[1], flush=True)  # noqa: T201 (the port, for the test)
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", default="toolbox")
    parser.add_argument("--tools", default=",".join(DEFAULT_TOOLS))
    parser.add_argument("--token", default=None)

    parser.add_argument("transport", choices=("stdio", "http"), nargs="?", default="stdio")
    parser.add_argument("port", type=int, nargs="?", default=0)
    args = parser.parse_args(argv)
    server = MCPServer(args.name)
    for name in filter(None, args.tools.split(",")):
        server.tool(name=name)(TOOLS[name])
    if args.transport == "stdio":
        server.run()
    else:
        serve_http(server, args.port, args.token)


if __name__ == "__main__":
    main()
