"""The status bar's counters keep their room while a reply streams."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Label

from tui.ui.widgets.status_bar import StatusBar


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")


async def test_counters_keep_their_width_while_streaming_then_fit_again() -> None:
    app = Harness()
    async with app.run_test(size=(100, 5)) as pilot:
        bar = app.query_one(StatusBar)
        counters = bar.query_one("#counters", Label)
        bar.streaming = True
        bar.counters = "~120 tokens · 45.6 tok/s · 2.7 s"
        await pilot.pause()
        assert counters.content_region.width == 32
        bar.counters = "~121 tokens · 9.1 tok/s · 2.9 s"  # narrower: the room stays
        await pilot.pause()
        assert counters.content_region.width == 32
        assert "~121 tokens · 9.1 tok/s" in str(counters.content)
        bar.counters = "~1,210 tokens · 45.6 tok/s · 12.7 s"  # wider: it grows
        await pilot.pause()
        assert counters.content_region.width == 35
        bar.streaming = False
        bar.counters = "conversation: 1,300 tokens"
        await pilot.pause()
        assert counters.content_region.width == 26
