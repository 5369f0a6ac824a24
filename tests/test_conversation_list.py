"""The conversation list: a large first fill is painted in two steps, and a rebuild
draws only the entries that changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.app import App, ComposeResult

from tests.ui_harness import make_app
from tui.domain import Conversation
from tui.store import Header
from tui.ui.widgets.conversation_list import (
    FIRST_PAINT_OPTIONS,
    SHOWN_MAX,
    ConversationList,
)

NOW = datetime.now(UTC)


def headers(count: int) -> list[Header]:
    """`count` conversations, one an hour, newest first."""
    return [
        Header(f"c{i:05}", f"Talk {i}", "offline", "echo", NOW - timedelta(hours=i), 0.0)
        for i in range(count)
    ]


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ConversationList(id="list")


def shown_ids(listing: ConversationList) -> list[str]:
    return [o.id for o in listing.options if o.id is not None]


async def test_a_large_first_fill_paints_its_top_before_the_rest() -> None:
    app = ListApp()
    async with app.run_test(size=(80, 40)) as pilot:
        listing = app.query_one(ConversationList)
        listing.set_headers(headers(1000))
        listing.select_id("c00300")  # not among the first options
        assert listing.option_count == FIRST_PAINT_OPTIONS
        assert listing.highlighted_option is None
        await pilot.pause()
        assert len(shown_ids(listing)) == SHOWN_MAX
        assert shown_ids(listing)[:3] == ["c00000", "c00001", "c00002"]
        assert "600 older conversations" in str(listing.options[-1].prompt)
        assert listing.highlighted_option is not None
        assert listing.highlighted_option.id == "c00300"


async def test_a_newer_fill_drops_the_rest_of_an_older_one() -> None:
    app = ListApp()
    async with app.run_test(size=(80, 40)) as pilot:
        listing = app.query_one(ConversationList)
        listing.set_headers(headers(500))
        listing.show_only({"c00001", "c00002"})  # before the first fill's rest arrives
        await pilot.pause()
        assert shown_ids(listing) == ["c00001", "c00002"]


async def test_a_rebuild_reuses_the_options_of_unchanged_entries() -> None:
    app = ListApp()
    async with app.run_test(size=(80, 40)) as pilot:
        listing = app.query_one(ConversationList)
        listing.set_headers(headers(30))
        await pilot.pause()
        before = {o.id: o for o in listing.options if o.id is not None}
        conv = Conversation(id="c00007", title="Renamed", provider="offline", model="echo")
        conv.updated_at = NOW + timedelta(seconds=1)
        listing.upsert(conv)
        after = {o.id: o for o in listing.options if o.id is not None}
        assert shown_ids(listing)[0] == "c00007"
        assert "Renamed" in str(after["c00007"].prompt)
        assert after["c00007"] is not before["c00007"]
        unchanged = [key for key in before if key != "c00007"]
        assert all(after[key] is before[key] for key in unchanged)
        assert listing.highlighted_option is after["c00007"]


async def test_an_entry_keeps_its_age_on_screen_in_the_app(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        listing = app.main_screen.conversation_list
        listing.set_headers(headers(60))  # enough for a scrollbar, which takes 2 cells
        conv = Conversation(
            id="new",
            title="A title far longer than the sidebar is wide",
            provider="bench",
            model="bench-len2000",
            updated_at=datetime.now(UTC),
        )
        listing.upsert(conv)
        await pilot.pause()
        assert listing.show_vertical_scrollbar
        lines = [listing.render_line(y).text.rstrip() for y in range(4)]
        assert lines[1].startswith("A title far")
        assert lines[1].endswith("…")
        assert lines[2] == "bench/bench-len20… · just now"
        assert lines[3].startswith("Talk 0")
