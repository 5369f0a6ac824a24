"""The cycle collector is off while the app or `ask` starts, and always on again after."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_runner import cli_env, run_main
from tests.ui_harness import make_app


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("collector_off")
async def test_the_app_turns_the_collector_on_once_its_first_screen_is_up(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert gc.isenabled()


async def test_an_ask_that_fails_before_any_reply_leaves_the_collector_on(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.toml").write_text("this is not toml [")
    run = await run_main("ask", "hi", env=cli_env(tmp_path))
    assert run.status != 0
    assert "config" in run.stderr.lower()
    assert gc.isenabled()
