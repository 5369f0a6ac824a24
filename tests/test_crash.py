"""kill -9 at random moments of a stream: every file parses, nothing finished is lost."""

from __future__ import annotations

import random
import time
import tomllib
from pathlib import Path
from typing import Any

from tests.cli_runner import cli_env
from tests.pty_app import PtyApp
from tui.providers.base import ChatRequest, RequestMessage
from tui.providers.events import TextDelta
from tui.providers.offline import OfflineProvider

ROUNDS = 4
MILESTONES = ("network", "becomes", "DeepSeek", "Local", "compatible", "myserver", "works")
"""Words of the offline reply, first to last, that appear nowhere else on screen: the
kill lands once one of them has been drawn."""
SAVE_EVERY_S = 1.0  # the app's own period for saving a streaming reply


async def full_reply(question: str, config_path: Path) -> str:
    provider = OfflineProvider(chunk_delay=0, config_path=str(config_path))
    request = ChatRequest(model="offline-guide", messages=(RequestMessage("user", question),))
    return "".join([e.text async for e in provider.stream(request) if isinstance(e, TextDelta)])


def read_all(folder: Path) -> list[dict[str, Any]]:
    """Every conversation file, parsed (a file that does not parse fails the test)."""
    return [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.toml"))]


async def test_kill_9_mid_stream_keeps_every_file_whole(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[providers.offline]\nchunk_delay = 0.008\n")  # about 2.5 s a reply
    folder = tmp_path / "tui-data" / "conversations"
    moments = random.Random(20261124)
    for round_ in range(ROUNDS):
        question = f"question number {round_}"
        async with PtyApp(cli_env(tmp_path)) as app:
            await app.wait_for(b"Message")
            app.send(question.encode())
            await app.wait_for(question.encode())
            app.send(b"\r")
            mark = await app.wait_for(b"tok/s")  # streaming
            started = time.monotonic()
            # The point of the test: the kill lands at a random point of the stream.
            await app.wait_for(moments.choice(MILESTONES).encode(), start=mark)
            assert app.process is not None
            app.process.kill()
            await app.process.wait()
            streamed_for = time.monotonic() - started
        files = read_all(folder)
        (conv,) = [f for f in files if f["messages"][0]["content"] == question]
        expected = await full_reply(question, config)
        reply = conv["messages"][1]["content"] if len(conv["messages"]) > 1 else ""
        assert expected.startswith(reply)  # whatever was saved is the reply, untorn
        if streamed_for > SAVE_EVERY_S + 0.6:
            assert reply, f"nothing of the reply saved after {streamed_for:.1f} s"
    assert len(read_all(folder)) == ROUNDS  # and every earlier file survived later kills
