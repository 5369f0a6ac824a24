"""A reply's first words are drawn in a frame of their own at once, not at the next tick
of Textual's frame timer."""

from __future__ import annotations

import asyncio

import pytest
import textual.screen
from rich.console import RenderableType
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from tui.ui.widgets.paint_now import paint_now


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("before", id="words")


async def test_the_change_is_drawn_without_waiting_for_the_frame_timer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A frame timer that ticks once a minute: only a frame drawn now can show the change.
    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", 60.0)
    app = Harness()
    async with app.run_test(size=(40, 5)):
        drawn = asyncio.Event()
        display = app._display

        def frame(screen: Screen[object], renderable: RenderableType | None) -> None:
            drawn.set()
            display(screen, renderable)

        app._display = frame  # type: ignore[method-assign]
        words = app.query_one("#words", Static)
        words.update("after")
        paint_now(words)
        async with asyncio.timeout(5):  # a bound, far under the timer's minute
            await drawn.wait()  # fails (TimeoutError) when the change waits for the timer
