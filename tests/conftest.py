from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.cli_runner import restored_logging
from tests.mcp_helpers import toolbox_http
from tests.replay_server import ReplayServer, load_cases

# Images are drawn in colour half-blocks in every test (and screenshot), whatever
# terminal runs the suite: nothing asks a real terminal what it can draw.
os.environ["TUI_CHAT_IMAGES"] = "halfcell"


@pytest.fixture(autouse=True)
def private_log_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a test runs logs into a temp folder, never the user's log dir."""
    monkeypatch.setenv("TUI_CHAT_LOG_DIR", str(tmp_path_factory.mktemp("logs")))


@pytest.fixture(autouse=True)
def loggers_left_as_found() -> Iterator[None]:
    """A test that sets up the log file (`setup_logging`, the CLI run in-process) leaves
    the loggers as it found them, so later tests' records reach `caplog`."""
    with restored_logging():
        yield


@pytest.fixture(scope="session")
def box_url() -> Iterator[str]:
    """A toolbox server `box` over streamable HTTP, one per test process: for tests where
    the transport does not matter (a stdio one takes a second to start each time).
    Use it as `http_box(box_url, ...)`."""
    with toolbox_http(name="box") as url:
        yield url


@pytest.fixture
async def replay() -> AsyncIterator[ReplayServer]:
    """A replay server for every case in tests/fixtures/streams/."""
    server = ReplayServer(load_cases())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def fake_clipboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `wl-copy` on PATH that writes what it is given to a file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    clip = tmp_path / "clipboard.txt"
    for name, body in (("wl-copy", f'cat > "{clip}"'), ("wl-paste", f'cat "{clip}"')):
        script = bin_dir / name
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-test")
    return clip
