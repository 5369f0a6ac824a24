"""A real MCP stdio server with one tool, `bench_echo`, for the tool-round benchmark.

`python -m benchmarks.mcp_tool [--log FILE]` (or `BENCH_MCP_LOG=FILE`): each call
appends `{"received": t0, "returned": t1}` (wall times, `time.time()`) to FILE, so the
benchmark can take the tool's own run time out of what it measures.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from mcp.server.mcpserver import MCPServer

LOG_ENV = "BENCH_MCP_LOG"


def serve(log: Path | None) -> None:
    server = MCPServer("bench")

    @server.tool(name="bench_echo")
    def bench_echo(text: str) -> str:
        """Answer `done TEXT` at once."""
        received = time.time()
        answer = f"done {text}"
        if log is not None:
            with log.open("a") as out:
                out.write(json.dumps({"received": received, "returned": time.time()}) + "\n")
        return answer

    server.run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log", type=Path, default=os.environ.get(LOG_ENV) or None)
    serve(parser.parse_args().log)


if __name__ == "__main__":
    main()
