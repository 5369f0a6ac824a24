"""`tui-chat serve`: the app in a real headless Chromium, through textual-serve."""

from __future__ import annotations

import argparse
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.cli_runner import cli_env, run_main
from tui.cli.serve import (
    app_command,
    build_parser,
    exposure_warning,
    is_loopback,
    is_wildcard,
    page_url,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WAIT_S = 30.0
"""A guard against hanging, never a pace: the browser, the server and two apps start."""


def test_loopback_hosts_and_the_warning_for_the_others() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "[::1]", "127.8.0.1"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.5", "example.org", "::"]))
    assert exposure_warning("127.0.0.1", 8000) is None
    warning = exposure_warning("0.0.0.0", 9000)
    assert warning is not None
    assert "0.0.0.0:9000 is not a loopback address" in warning
    assert "your API keys" in warning


def test_the_page_connects_back_to_an_address_a_browser_can_open() -> None:
    assert page_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert page_url("::1", 8000) == "http://[::1]:8000"
    assert page_url("[::1]", 8000) == "http://[::1]:8000"
    assert is_wildcard("0.0.0.0")
    assert is_wildcard("::")
    assert not is_wildcard("127.0.0.1")


async def test_every_address_needs_the_public_url(tmp_path: Path) -> None:
    run = await run_main("serve", "--host", "0.0.0.0", env=cli_env(tmp_path))
    assert run.status == 2
    assert "--public-url" in run.stderr


def test_each_tab_runs_tui_chat_with_the_options_given(tmp_path: Path) -> None:
    args = build_parser().parse_args(
        ["--provider", "work", "--model", "a model", "--base-url", "http://127.0.0.1:9/v1",
         "--config", "~/conf.toml", "--data-dir", "data", "--debug"]
    )
    words = shlex.split(app_command(args))
    assert words[:3] == [sys.executable, "-m", "tui"]
    assert words[words.index("--model") + 1] == "a model"  # quoted for the shell
    assert words[words.index("--config") + 1] == str(Path.home() / "conf.toml")
    assert Path(words[words.index("--data-dir") + 1]) == Path("data").resolve()
    assert "--debug" in words
    assert "serve" not in words
    assert isinstance(build_parser().parse_args([]), argparse.Namespace)
    assert build_parser().parse_args([]).host == "127.0.0.1"


async def test_a_mistake_in_the_options_is_printed_once_before_serving(tmp_path: Path) -> None:
    run = await run_main("serve", "--provider", "nosuch", env=cli_env(tmp_path))
    assert run.status == 2
    assert "no provider named 'nosuch'" in run.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def until(condition: Callable[[], object], what: str) -> None:
    """Wait for `condition` (polled; it is a state reached, not a time passed)."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`tui-chat serve` on a free loopback port; yields its URL and the home folder."""
    (tmp_path / "config.toml").write_text('[providers.offline]\nchunk_delay = 0\n')
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--port", str(port), "--provider", "offline"],
        env=cli_env(tmp_path, COLUMNS="200"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        until(lambda: listening(port) or proc.poll() is not None, "the server to listen")
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        yield f"http://127.0.0.1:{port}/", tmp_path
    finally:
        proc.terminate()
        proc.wait(timeout=WAIT_S)


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (its own browsers are not used)."""
    if CHROMIUM is None:
        pytest.skip(
            "no Chromium: the browser test needs Debian's chromium package "
            "(apt-get install chromium; .ci/run installs it in CI)"
        )
    from playwright.sync_api import sync_playwright

    flags = [
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ]  # fmt: skip
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=flags, chromium_sandbox=False
        )
        try:
            yield chromium
        finally:
            chromium.close()


def conversations(home: Path) -> list[dict[str, object]]:
    folder = home / "tui-data" / "conversations"
    return [tomllib.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.toml")]


def replied(home: Path, text: str) -> bool:
    for conv in conversations(home):
        messages = conv.get("messages")
        if isinstance(messages, list) and len(messages) == 2:
            question, reply = messages
            return bool(question["content"] == text and reply.get("finish_reason") == "stop")
    return False


def open_tab(browser: Browser, url: str) -> Page:
    """Open `url` in a new tab and wait until its app has drawn (the page marks its
    body once the app's first byte arrives)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)
    page.wait_for_selector("body.-first-byte", timeout=WAIT_S * 1000)
    return page


def test_a_message_typed_in_the_browser_is_answered_and_saved(
    server: tuple[str, Path], browser: Browser
) -> None:
    url, home = server
    page = open_tab(browser, url)
    text = "hello from the browser"
    keyboard = page.locator(".xterm-helper-textarea")  # where xterm.js takes keys
    keyboard.press_sequentially(text)  # typed as soon as the app shows
    keyboard.press("Enter")
    until(lambda: replied(home, text), "the reply to be saved")
    [conv] = conversations(home)
    reply = conv["messages"][1]  # type: ignore[index]
    assert "You wrote 4 words" in reply["content"]
    assert reply["content"].rstrip().endswith('"your question"`.')  # the whole reply

    # A second tab is a second app on the same data dir: the lock makes it read-only.
    open_tab(browser, url)
    log = home / "logs" / "tui-chat.log"
    until(lambda: log.exists() and "read-only" in log.read_text(encoding="utf-8"), "the lock")
