"""Run the real `tui-chat` command line in a subprocess with a private environment."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "DEEPSEEK_API_KEY")


@dataclass(frozen=True)
class Run:
    """What one command printed and returned."""

    status: int
    stdout: str
    stderr: str


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment with no API keys whose config and data live under `home`."""
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        TUI_CHAT_CONFIG=str(home / "config.toml"),
        TUI_CHAT_DATA_DIR=str(home / "tui-data"),
    )
    env["TUI_CHAT_LOG_DIR"] = str(home / "logs")
    env.update(extra)
    return env


async def run_cli(*args: str, env: dict[str, str], stdin: bytes | None = None) -> Run:
    """`python -m tui ARGS...`, run without blocking the event loop (servers keep serving)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui",
        *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    async with asyncio.timeout(60):
        out, err = await proc.communicate(stdin)
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode("utf-8"), err.decode("utf-8"))
