"""Search across history: the index, its cache, and `tui-chat search`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.widgets import OptionList

from tests.cli_runner import cli_env, run_main
from tests.helpers import index_builder, pane_text, settle, start_index_build, type_text
from tests.ui_harness import make_app
from tui.domain import ChatMessage, Conversation, Role, ToolCallRecord, ToolResult, ToolStep
from tui.search import BUILD_APART_FROM, SearchIndex
from tui.store import BackgroundSaver, ConversationStore
from tui.ui.screens.search import SearchScreen
from tui.ui.widgets.message_pane import MessagePane


def make(
    store: ConversationStore,
    title: str,
    messages: list[str],
    *,
    days_ago: int,
    system: str | None = None,
) -> Conversation:
    conv = Conversation.start("offline", "offline-guide", system)
    for number, text in enumerate(messages):
        conv.add(ChatMessage(Role.USER if number % 2 == 0 else Role.ASSISTANT, text))
    conv.title = title
    conv.updated_at = datetime.now(UTC) - timedelta(days=days_ago)
    store.save(conv)
    return conv


def sample(data: Path) -> tuple[ConversationStore, list[Conversation]]:
    store = ConversationStore(data)
    convs = [
        make(store, "Trip to Paris", ["Where to eat?", "A bistro."], days_ago=3),
        make(
            store,
            "Rust lifetimes",
            ["borrow checker", "Lifetimes tie\nreferences to PARIS"],
            days_ago=1,
        ),
        make(store, "Pirate talk", ["hello"], days_ago=2, system="Answer like a pirate."),
    ]
    return store, convs


def test_hits_name_where_and_show_the_matching_line_newest_first(tmp_path: Path) -> None:
    store, (trip, rust, pirate) = sample(tmp_path)
    index = SearchIndex(store)
    index.refresh()
    hits = index.search("paris")
    assert [h.conversation_id for h in hits] == [rust.id, trip.id]  # newest first
    first = hits[0]
    assert first.where == "message 2"
    assert first.message_index == 1
    assert first.context == "references to PARIS"  # the matching line only
    assert first.context[first.match_start : first.match_end] == "PARIS"
    assert hits[1].where == "title"
    (hit,) = index.search("PIRATE")
    assert hit.conversation_id == pirate.id
    assert hit.where == "title"
    (hit,) = index.search("like a pirate")
    assert hit.where == "system prompt"
    assert index.search("nowhere to be found") == []
    assert len(index.search("e", limit=2)) == 2


def test_the_cache_follows_the_files_and_is_rebuilt_when_broken(tmp_path: Path) -> None:
    store, (trip, _, _) = sample(tmp_path)
    SearchIndex(store).refresh()
    cache = tmp_path / "cache" / "search.json"
    assert set(json.loads(cache.read_text())["conversations"]) == {
        s.id for s in store.list_summaries()
    }
    trip.add(ChatMessage(Role.USER, "and the Louvre?"))
    path = store.save(trip)
    os.utime(path, (1, 1))  # a changed mtime, whatever the clock's resolution
    index = SearchIndex(store)
    index.refresh()
    assert [h.conversation_id for h in index.search("louvre")] == [trip.id]
    cache.write_text("{ broken")
    index = SearchIndex(store)
    index.refresh()
    assert [h.conversation_id for h in index.search("louvre")] == [trip.id]
    store.path_for(trip.id).unlink()
    index.refresh()
    assert index.search("louvre") == []


async def test_search_command_prints_one_line_per_conversation(tmp_path: Path) -> None:
    _, (trip, rust, _) = sample(tmp_path / "tui-data")
    env = cli_env(tmp_path)
    run = await run_main("search", "paris", env=env)
    assert run.status == 0
    lines = [line.split("\t") for line in run.stdout.splitlines()]
    assert [line[0] for line in lines] == [rust.id, trip.id]
    assert lines[0][2] == "Rust lifetimes"
    assert lines[0][3] == "message 2: references to PARIS"
    run = await run_main("search", "--json", "bistro", env=env)
    (row,) = [json.loads(line) for line in run.stdout.splitlines()]
    assert row["id"] == trip.id
    assert row["where"] == "message 2"
    run = await run_main("search", "absent words", env=env)
    assert run.status == 1
    assert run.stdout == ""


async def test_search_screen_opens_the_conversation_at_the_match(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "data")
    messages = [f"filler {n}" for n in range(60)]
    messages[2] = "where is the unicorn hiding?"
    target = make(store, "Long one", messages, days_ago=5)
    make(store, "Other", ["nothing here"], days_ago=0)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+g")
        await type_text(pilot, "UNICORN")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        results = screen.query_one(OptionList)
        assert results.option_count == 1
        shown = str(results.get_option_at_index(0).prompt)
        assert "Long one" in shown
        assert "message 3: where is the unicorn hiding?" in shown
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert app.main_screen.conversation.id == target.id
        await pilot.pause()
        pane = app.main_screen.query_one(MessagePane)
        focused = pane.focused_view
        assert focused is not None
        assert focused.message.content == "where is the unicorn hiding?"
        assert any("where is the unicorn hiding?" in row for row in pane_text(pane))


def test_saves_update_the_index_without_reading_files(tmp_path: Path) -> None:
    store, convs = sample(tmp_path / "data")
    index = SearchIndex(store)
    index.refresh()
    saver = BackgroundSaver(store, on_saved=index.note_saved)
    convs[0].add(ChatMessage(Role.USER, "what about the zeppelin museum?"))
    saver.submit(store.snapshot(convs[0]))
    assert saver.flush()
    # Found from memory: the file is gone and no refresh ran.
    (tmp_path / "data" / "conversations" / f"{convs[0].id}.toml").unlink()
    (hit,) = index.search("zeppelin")
    assert (hit.conversation_id, hit.where) == (convs[0].id, "message 3")


def test_the_text_of_a_replys_tool_rounds_is_found_from_files_and_saves(tmp_path: Path) -> None:
    store, convs = sample(tmp_path / "data")
    call = ToolCallRecord("c1", "read", "{}", server="files", result=ToolResult("quasar"))
    reply = convs[0].messages[1]
    reply.steps = [ToolStep("Checking the ship's\nlogbook first.", [call])]
    store.save(convs[0])
    from_files = SearchIndex(store)
    from_files.refresh()
    (hit,) = from_files.search("LOGBOOK")
    assert (hit.conversation_id, hit.where, hit.context) == (
        convs[0].id,
        "message 2",
        "logbook first.",
    )
    assert from_files.search("quasar") == []  # results are not searched (only step text)
    reply.steps[0].text = "a zeppelin"
    snapshot = store.snapshot(convs[0])
    store.write(snapshot)
    from_files.note_saved(snapshot)
    assert from_files.matching_ids("zeppelin") == {convs[0].id}
    assert from_files.matching_ids("logbook") == set()


FILE_FORMAT_WORDS = ["role", "assistant", "finish_reason", "stop", "offline", "model"]
"""Keys and values every conversation file holds, and no one wrote in these."""


def test_matching_ids_finds_what_was_written_never_the_file_format(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "data")
    convs = []
    for title, text, system in [("Greeting", "hello", "Be brief."), ("Capital", "paris", None)]:
        conv = Conversation.start("offline", "offline-guide", system)
        conv.add(ChatMessage(Role.USER, "Say it"))
        conv.add(ChatMessage(Role.ASSISTANT, text, finish_reason="stop", raw_finish_reason="stop"))
        conv.title = title
        convs.append(conv)
    greeting, capital = convs
    store.save(greeting)
    index = SearchIndex(store)
    index.refresh()
    snapshot = store.snapshot(capital)
    store.write(snapshot)
    index.note_saved(snapshot)  # taken in from the save, not from the file
    timestamp = str(greeting.updated_at.year)
    for conv in convs:
        raw = store.path_for(conv.id).read_text(encoding="utf-8").casefold()
        assert all(word in raw for word in [*FILE_FORMAT_WORDS, timestamp])  # all there
    for word in [*FILE_FORMAT_WORDS, timestamp]:
        assert index.matching_ids(word) == set(), word
    assert index.matching_ids("HELLO") == {greeting.id}
    assert index.matching_ids(" Paris ") == {capital.id}
    assert index.matching_ids("say it") == {greeting.id, capital.id}
    assert index.matching_ids("be brief") == {greeting.id}
    assert index.matching_ids("capital") == {capital.id}
    assert index.matching_ids("  ") == set()
    assert SearchIndex(store).matching_ids("hello") == set()  # nothing until a refresh


async def test_a_missing_cache_is_built_apart_from_the_app(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "data")
    for n in range(BUILD_APART_FROM + 5):
        make(store, f"Conversation {n}", [f"needle number {n}"], days_ago=n)
    index = SearchIndex(store)
    assert index.files_to_read() == BUILD_APART_FROM + 5
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        # Started by a timer well after start-up; started here at once.
        await start_index_build(app)
        builder = index_builder(app)
        assert builder is not None
        assert await asyncio.to_thread(builder.wait, 60) == 0
        assert index.files_to_read() == 0
        await pilot.press("ctrl+g")
        await type_text(pilot, "number 7")
        await app.workers.wait_for_complete()
        await pilot.pause()
        results = app.screen.query_one(OptionList)
        assert results.option_count == 1


async def test_the_filter_shows_matching_titles_while_the_cache_is_built(
    tmp_path: Path,
) -> None:
    store = ConversationStore(tmp_path / "data")
    for n in range(BUILD_APART_FROM + 5):
        make(store, f"Trip {n}" if n % 10 == 0 else f"Chat {n}", [f"about a trip {n}"], days_ago=n)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        # A process standing in for the cache's builder: it is done when told to.
        builder = await asyncio.to_thread(
            subprocess.Popen, [sys.executable, "-c", "input()"], stdin=subprocess.PIPE
        )
        app.session.index_builder = builder
        try:
            listing = app.main_screen.conversation_list
            await pilot.press("ctrl+f")
            await type_text(pilot, "trip")
            titles = {e.id for e in listing.entries.values() if e.title.startswith("Trip")}
            for _ in range(200):  # the filter's worker posts them at once
                if listing.only == titles:
                    break
                await pilot.pause()
            assert listing.only == titles
            assert len(titles) == 6
            assert builder.poll() is None  # ...while the messages are still being read
        finally:
            await asyncio.to_thread(builder.communicate, b"\n", 30)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert listing.only == set(listing.entries)  # every message says "trip"
