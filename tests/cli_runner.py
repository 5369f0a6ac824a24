"""Run the `tui-chat` command line with a private environment: in this process (most
tests), or as the real `python -m tui` subprocess where the process boundary matters."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import tui.__main__

KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "DEEPSEEK_API_KEY")
LOGGERS = ("tui", "openai", "anthropic", "httpx", "httpx2")
"""The loggers `tui.logs.setup_logging` points at the log file."""


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
    """`python -m tui ARGS...` in a subprocess, run without blocking the event loop
    (servers keep serving)."""
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


async def run_main(*args: str, env: dict[str, str], stdin: bytes | None = None) -> Run:
    """`tui.__main__.main(ARGS)` in this process, as `run_cli` runs the command: with
    exactly `env` as the environment, `stdin` (else nothing) piped in, and stdout and
    stderr read back as a pipe would carry them (never a terminal).

    It runs on a thread of its own: the command runs its own event loop, and the test's
    loop (with its replay server) must keep serving meanwhile."""
    async with asyncio.timeout(60):
        return await asyncio.to_thread(_main_in_process, list(args), env, stdin or b"")


def _main_in_process(args: list[str], env: dict[str, str], stdin: bytes) -> Run:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    piped = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    before = sys.stdin
    sys.stdin = piped
    try:
        with (
            mock.patch.dict(os.environ, env, clear=True),
            restored_logging(),
            redirect_stdout(out),
            redirect_stderr(err),
        ):
            try:
                status = tui.__main__.main(args)
            except SystemExit as exit_:  # argparse and `fail()`, as the interpreter does
                code = exit_.code
                if isinstance(code, str):
                    err.write(code + "\n")
                status = code if isinstance(code, int) else (0 if code is None else 1)
    finally:
        sys.stdin = before
    out.flush()
    err.flush()
    return Run(status, _text(out), _text(err))


def _text(stream: io.TextIOWrapper) -> str:
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


@contextmanager
def restored_logging() -> Iterator[None]:
    """Undo what `setup_logging` does to the `tui` and SDK loggers (its log file
    closed), so later tests' records reach pytest's log capture again."""
    saved = {name: logging.getLogger(name) for name in LOGGERS}
    state = {name: (lg.handlers[:], lg.level, lg.propagate) for name, lg in saved.items()}
    try:
        yield
    finally:
        for name, logger in saved.items():
            handlers, level, propagate = state[name]
            for handler in logger.handlers:
                if handler not in handlers:
                    handler.close()
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate
