"""Run the real `tui-chat` in a pseudo-terminal and read every byte it writes."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import struct
import sys
import termios
from collections.abc import Mapping
from typing import Any


class PtyApp:
    """`python -m tui` on a pty of the given size; `output` grows as the app writes."""

    def __init__(
        self, env: Mapping[str, str], *args: str, size: tuple[int, int] = (120, 36)
    ) -> None:
        self.args = args
        self.env = {**env, "TERM": "xterm-256color", "COLUMNS": str(size[0]), "LINES": str(size[1])}
        self.size = size
        self.output = bytearray()
        self._changed = asyncio.Event()
        self._master = -1
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> PtyApp:
        master, slave = pty.openpty()
        columns, rows = self.size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tui",
            *self.args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=self.env,
            start_new_session=True,
        )
        os.close(slave)
        self._master = master
        asyncio.get_running_loop().add_reader(master, self._read)
        return self

    async def __aexit__(self, *exc: object) -> None:
        asyncio.get_running_loop().remove_reader(self._master)
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        os.close(self._master)

    def _read(self) -> None:
        try:
            data = os.read(self._master, 65536)
        except OSError:  # the app exited and the pty closed
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self._master)
        self.output += data
        self._changed.set()

    def modes(self) -> list[Any]:
        """The terminal's settings (termios attributes), as the app left them."""
        return termios.tcgetattr(self._master)

    def send(self, data: bytes) -> None:
        """Type bytes as if at the keyboard."""
        os.write(self._master, data)

    async def wait_for(self, needle: bytes, start: int = 0, limit_s: float = 20) -> int:
        """Wait until `needle` appears in the output after `start`; returns its offset."""
        async with asyncio.timeout(limit_s):
            while (found := self.output.find(needle, start)) < 0:
                self._changed.clear()
                await self._changed.wait()
        return found

    async def wait_exit(self, limit_s: float = 20) -> int:
        """Wait for the app to exit; returns its status."""
        assert self.process is not None
        async with asyncio.timeout(limit_s):
            return await self.process.wait()
