"""Files the app cannot or must not write: broken, newer, or another app's."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.helpers import (
    FirstText,
    exit_notes,
    live_ids,
    notices,
    save_questions,
    settle,
    type_text,
    writes_refused,
)
from tests.replay_server import ReplayServer
from tests.ui_harness import make_app
from tui.config import load_config
from tui.domain import ChatMessage, Conversation, Role
from tui.store import ConversationStore
from tui.store.lock import DataDirLock
from tui.store.store import encode
from tui.ui.app import ChatApp
from tui.ui.widgets.prompt_input import PromptInput


def write_files(data: Path) -> tuple[Path, Path, Conversation]:
    folder = data / "conversations"
    folder.mkdir(parents=True)
    broken = folder / "20260101-000000-broken.toml"
    broken.write_text('schema = 1\n[conversation\nid = "x"\n', encoding="utf-8")
    conv = Conversation.start("offline", "offline-guide")
    conv.add(ChatMessage(Role.USER, "from the future"))
    newer = folder / f"{conv.id}.toml"
    newer.write_text(
        encode(conv).decode().replace("schema = 1", "schema = 7") + "\n[hologram]\nx = 1\n",
        encoding="utf-8",
    )
    return broken, newer, conv


async def test_broken_and_newer_files_are_shown_and_never_written(tmp_path: Path) -> None:
    broken, newer, conv = write_files(tmp_path / "data")
    before = {broken: broken.read_bytes(), newer: newer.read_bytes()}
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        listing = app.main_screen.conversation_list
        titles = [entry.title for entry in listing.entries.values()]
        assert f"⚠ unreadable: {broken.name}" in titles
        assert "could not be read" in notices(app)
        await app.main_screen.open_conversation(broken.stem)
        await settle(app, pilot)
        assert broken.name in notices(app)
        assert "not valid TOML" in notices(app)
        await app.main_screen.open_conversation(conv.id)
        await settle(app, pilot)
        assert app.main_screen.conversation.messages[0].content == "from the future"
        assert "read-only" in notices(app)
        await type_text(pilot, "more")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.main_screen.query_one(PromptInput).text == "more"  # kept, not sent
        await pilot.press("ctrl+q")
    assert {path: path.read_bytes() for path in before} == before


async def test_a_second_app_on_the_same_data_dir_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    other = DataDirLock(data)
    assert other.acquire()  # the first app
    try:
        app = make_app(tmp_path)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(app, pilot)
            assert writes_refused(app) is not None
            assert "Another tui-chat" in notices(app)
            await type_text(pilot, "hello")
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.main_screen.query_one(PromptInput).text == "hello"
            await pilot.press("ctrl+q")
        assert not list((data / "conversations").glob("*.toml"))
        assert not (data / "state.toml").exists()
    finally:
        other.release()
    app = make_app(tmp_path)  # the first app has gone: this one writes
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert writes_refused(app) is None
        await type_text(pilot, "hello")
        await pilot.press("enter")
        await settle(app, pilot)
    assert len(ConversationStore(data).list_summaries()) == 1


HELD = "openai_include_usage"
HELD_TEXT = "The"
"""The first text of HELD's reply: its stream is held after it (its second event)."""


async def run_into_a_bug(app: ChatApp) -> None:
    def explode() -> None:
        raise RuntimeError("a bug")

    first_text = FirstText()
    async with app.run_test(size=(120, 36), message_hook=first_text.hook) as pilot:
        await settle(app, pilot)
        await type_text(pilot, "keep this")
        await pilot.press("enter")
        await first_text.wait()
        # The reply is streaming when the bug strikes (its stream is held).
        assert live_ids(app) == {app.main_screen.conversation.id}
        app.call_later(explode)
        await pilot.pause()


async def test_an_unexpected_error_is_logged_and_everything_saved_first(
    replay: ReplayServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    replay.hold(HELD, after=2)
    app = make_app(tmp_path, replay, "held", cases={"held": HELD})
    with pytest.raises(RuntimeError, match="a bug"):  # Pilot hands it on to the test
        await run_into_a_bug(app)
    (note,) = exit_notes(app)
    assert "unexpected error (RuntimeError: a bug)" in note
    assert "Traceback" not in note
    assert any(r.exc_info and "a bug" in str(r.exc_info[1]) for r in caplog.records)
    (conv,) = ConversationStore(tmp_path / "data").list_summaries()
    messages = ConversationStore(tmp_path / "data").load(conv.id).messages
    assert messages[0].content == "keep this"
    # ...and what had arrived of the reply, marked as stopped.
    assert (messages[1].content, messages[1].finish_reason) == (HELD_TEXT, "cancelled")


async def test_the_list_cache_follows_files_changed_added_and_removed(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "data")
    convs = save_questions(store, "first", "second", "third")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
    cache = tmp_path / "data" / "cache" / "headers.json"
    assert cache.exists()
    # Between runs: one renamed by hand, one deleted, one added; the cache is stale.
    path = store.path_for(convs[0].id)
    path.write_text(path.read_text().replace('title = "first"', 'title = "renamed"'))
    store.path_for(convs[1].id).unlink()
    added = Conversation.start("offline", "offline-guide")
    added.add(ChatMessage(Role.USER, "fourth"))
    store.save(added)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        titles = sorted(e.title for e in app.main_screen.conversation_list.entries.values())
    assert titles == ["fourth", "renamed", "third"]
    cache.write_text("{ not json")  # a broken cache is rebuilt, never trusted
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        titles = sorted(e.title for e in app.main_screen.conversation_list.entries.values())
    assert titles == ["fourth", "renamed", "third"]


async def test_the_message_is_on_disk_before_the_request_leaves(tmp_path: Path) -> None:
    seen_on_disk: list[list[str]] = []
    data = tmp_path / "data"

    async def server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")  # the request has arrived: look at the disk
        if b"/chat/completions" not in head.split(b"\r\n")[0]:
            writer.close()  # the context window probe: not the request this is about
            return
        seen_on_disk.append(
            [
                m.content
                for s in ConversationStore(data).list_summaries()
                for m in ConversationStore(data).load(s.id).messages
            ]
        )
        body = b'{"error": {"message": "no model here"}}'
        writer.write(b"HTTP/1.1 404 Not Found\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(server, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        f'[providers.here]\nkind = "openai"\nmodel = "m"\nbase_url = "http://127.0.0.1:{port}/v1"\n'
    )
    config = load_config(config_path, data, environ={})
    app = ChatApp(
        config,
        ConversationStore(data),
        config.provider("here"),
        themes_dir=tmp_path / "themes",
        probe_local=False,
    )
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await type_text(pilot, "remember me")
            await pilot.press("enter")
            await settle(app, pilot)
    finally:
        listener.close()
        await listener.wait_closed()
    assert seen_on_disk == [["remember me"]]


async def test_after_a_failed_reply_ctrl_r_asks_again_and_keeps_the_failure(
    replay: ReplayServer, tmp_path: Path
) -> None:
    app = make_app(tmp_path, replay, "broken", cases={"broken": "openai_http_500"})
    async with app.run_test(size=(120, 36)) as pilot:
        await type_text(pilot, "hi")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Ctrl+R asks again" in notices(app)
        assert len(replay.requests) == 1
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert len(replay.requests) == 2  # asked again
        reply = app.main_screen.conversation.messages[-1]
        assert reply.finish_reason == "error"
        assert len(reply.alternatives) == 1  # the first failure is kept as a version
    assert notices(app).count("server error (HTTP 500)") == 2
