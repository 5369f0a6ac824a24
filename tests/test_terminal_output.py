"""What the real app writes to a real (pseudo) terminal."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.cli_runner import cli_env
from tests.pty_app import PtyApp
from tests.replay_server import ReplayServer
from tests.ui_harness import write_config

OSC52 = b"\x1b]52;c;"


async def test_copy_reply_writes_osc52_to_the_terminal(tmp_path: Path) -> None:
    write_config(tmp_path, None, {})  # offline, streaming without delay
    async with PtyApp(cli_env(tmp_path)) as app:
        await app.wait_for(b"Message")
        app.send(b"hi")
        await app.wait_for(b"hi")
        app.send(b"\r")
        await app.wait_for(b"out tokens")
        mark = len(app.output)
        app.send(b"\x14")  # Ctrl+T: copy the last reply
        start = await app.wait_for(OSC52, mark) + len(OSC52)
        end = await app.wait_for(b"\x07", start)
        copied = base64.b64decode(bytes(app.output[start:end])).decode("utf-8")
        assert copied.startswith("Hello! I am **tui-chat's built-in offline guide**")
        assert "You wrote 1 word: “hi”" in copied
        app.send(b"\x11")  # Ctrl+Q
        assert await app.wait_exit() == 0


async def test_escape_sequences_from_the_model_never_reach_the_terminal(
    replay: ReplayServer, tmp_path: Path
) -> None:
    write_config(tmp_path, replay, {"hostile": "openai_terminal_escapes"})
    async with PtyApp(cli_env(tmp_path), "--provider", "hostile") as app:
        await app.wait_for(b"Message")
        app.send(b"hi")
        await app.wait_for(b"hi")
        app.send(b"\r")
        await app.wait_for("✓ stop".encode())
        app.send(b"\x11")
        await app.wait_exit()
    output = bytes(app.output)
    # Shown as visible symbols (e.g. ␛ for ESC), never emitted as live sequences:
    assert b"ZWNobyBwd25lZA==\x07" not in output  # the model's OSC 52 clipboard write
    assert b"\x1b]8;;https://example.invalid/" not in output  # its OSC 8 link
    assert b"\x1b[31mred" not in output
    assert b"\x1b[?1049h\x1b[?25l done" not in output
    assert "\u241b[31mred".encode() in output  # visible, inert
