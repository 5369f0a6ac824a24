"""A scrolling widget's height changes without a layout of the whole screen, unless its
scrollbar comes or goes."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView

from tests.helpers import LayoutCounting, ScreenHarness
from tui.ui.widgets.virtual_height import set_virtual_size


async def test_growing_moves_only_the_scrollbar() -> None:
    app = ScreenHarness(LayoutCounting(ScrollView()))
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LayoutCounting)
        view = screen.query_one(ScrollView)
        set_virtual_size(view, Size(40, 5))  # fits: no scrollbar
        await pilot.pause()
        assert not view.show_vertical_scrollbar
        width = view.scrollable_content_region.width
        set_virtual_size(view, Size(width, 30))  # the scrollbar comes: a layout
        await pilot.pause()
        assert view.show_vertical_scrollbar
        width = view.scrollable_content_region.width
        assert width == 38
        set_virtual_size(view, Size(width, 30))  # the text's width follows: a layout too
        await pilot.pause()
        before = screen.layouts
        for height in (40, 55, 80):
            set_virtual_size(view, Size(width, height))
            await pilot.pause()
            assert view.vertical_scrollbar.window_virtual_size == height
            assert view.max_scroll_y == height - 10
        assert screen.layouts == before
        view.scroll_end(animate=False)
        await pilot.pause()
        set_virtual_size(view, Size(width, 20))
        await pilot.pause()
        assert view.scroll_y == 10  # kept within the shorter height
        assert screen.layouts == before
        set_virtual_size(view, Size(width, 4))  # the scrollbar goes
        await pilot.pause()
        assert not view.show_vertical_scrollbar
        assert screen.layouts > before
