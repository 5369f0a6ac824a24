"""The status bar's counters keep their room while a reply streams."""

from __future__ import annotations

from textual.widgets import Label

from tests.helpers import LayoutCounting, ScreenHarness
from tui.ui.widgets.status_bar import STREAM_ROOM, StatusBar


async def test_counters_keep_their_width_while_streaming_then_fit_again() -> None:
    app = ScreenHarness(LayoutCounting(StatusBar()))
    async with app.run_test(size=(100, 5)) as pilot:
        screen = app.screen
        assert isinstance(screen, LayoutCounting)
        bar = screen.query_one(StatusBar)
        counters = bar.query_one("#counters", Label)
        bar.streaming = True
        bar.counters = "~120 tokens · 45.6 tok/s · 2.7 s"  # 32 cells
        await pilot.pause()
        assert counters.content_region.width == 32 + STREAM_ROOM
        layouts = screen.layouts
        bar.counters = "~121 tokens · 9.1 tok/s · 2.9 s"  # narrower: the room stays
        await pilot.pause()
        bar.counters = "~1,210 tokens · 45.6 tok/s · 12.7 s"  # 3 cells more: it fits
        await pilot.pause()
        assert "~1,210 tokens · 45.6 tok/s" in str(counters.content)
        assert counters.content_region.width == 32 + STREAM_ROOM
        assert screen.layouts == layouts
        bar.counters = "~12,100 tokens · 1,045.6 tok/s · 12.7 s"  # 39 cells: it grows
        await pilot.pause()
        assert counters.content_region.width == 39 + STREAM_ROOM
        assert screen.layouts > layouts
        bar.streaming = False
        bar.counters = "conversation: 1,300 tokens"
        await pilot.pause()
        assert counters.content_region.width == 26
