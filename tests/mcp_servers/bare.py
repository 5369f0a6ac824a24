"""A minimal MCP server over stdio in plain Python (no SDK): it starts in milliseconds.

    python tests/mcp_servers/bare.py [--name NAME] [--once FILE]

It speaks just enough of the handshake-era protocol (`initialize`, `tools/list`,
`tools/call`; anything else is "method not found", which is how the client learns it is
not a newer server) for tests that need a server that is quick to start or restart, where
the toolbox would cost a second of importing the SDK. Tools: `echo(text)`, and `die()`,
which ends the process mid-call. With `--once FILE` it starts only once: it creates FILE
and, if FILE exists already, exits at once with a message on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

PROTOCOL = "2025-06-18"
TOOLS = [
    {
        "name": "echo",
        "description": "Return the text unchanged.",
        "inputSchema": {
            "type": "object",
            "properties": {"text": {"type": "string"}},
            "required": ["text"],
        },
    },
    {
        "name": "die",
        "description": "End the server process in the middle of the call.",
        "inputSchema": {"type": "object", "properties": {}},
    },
]


def answer(name: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """The result for one request (raises KeyError for a method it does not know)."""
    if method == "initialize":
        return {
            "protocolVersion": params.get("protocolVersion", PROTOCOL),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": name, "version": "1"},
        }
    if method == "tools/list":
        return {"tools": TOOLS}
    if method == "ping":
        return {}
    if method == "tools/call":
        tool, arguments = params["name"], params.get("arguments") or {}
        if tool == "die":
            sys.stderr.write("bare: dying on request\n")
            sys.stderr.flush()
            os._exit(7)
        if tool == "echo":
            return {"content": [{"type": "text", "text": str(arguments.get("text", ""))}]}
        return {"content": [{"type": "text", "text": f"no tool {tool}"}], "isError": True}
    raise KeyError(method)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", default="bare")
    parser.add_argument("--once", default=None)
    args = parser.parse_args()
    if args.once:
        if os.path.exists(args.once):
            sys.exit(f"bare: refusing to start twice ({args.once} exists)")
        open(args.once, "w").close()
    for line in sys.stdin:
        message = json.loads(line)
        if "id" not in message or "method" not in message:
            continue  # a notification, or a response to nothing we asked
        reply: dict[str, Any] = {"jsonrpc": "2.0", "id": message["id"]}
        try:
            reply["result"] = answer(args.name, message["method"], message.get("params") or {})
        except KeyError:
            reply["error"] = {"code": -32601, "message": f"Method not found: {message['method']}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
