"""Unsent messages survive quitting, switching conversations and a killed process."""

from __future__ import annotations

import asyncio
import time
import tomllib
from pathlib import Path

from tests.cli_runner import cli_env
from tests.helpers import save_questions, type_text
from tests.pty_app import PtyApp
from tests.ui_harness import make_app
from tui.store import ConversationStore
from tui.ui.widgets.prompt_input import PromptInput


def saved_drafts(data: Path) -> dict[str, str]:
    state = tomllib.loads((data / "state.toml").read_text(encoding="utf-8"))
    drafts: dict[str, str] = state.get("drafts", {})
    return drafts


async def test_the_new_conversations_unsent_text_comes_back_after_quitting(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await type_text(pilot, "a long question")
        await pilot.press("ctrl+j")
        await type_text(pilot, "on two lines")
        await pilot.press("ctrl+q")
    assert saved_drafts(tmp_path / "data") == {"new": "a long question\non two lines"}
    again = make_app(tmp_path)
    async with again.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        box = again.main_screen.query_one(PromptInput)
        assert box.text == "a long question\non two lines"
        assert box.cursor_location == (1, len("on two lines"))  # typing goes on after it
        await pilot.press("enter")  # sent: no draft any more
        await pilot.press("ctrl+q")
    assert saved_drafts(tmp_path / "data") == {}


async def test_each_conversations_draft_comes_back_in_it(tmp_path: Path) -> None:
    first, second = save_questions(ConversationStore(tmp_path / "data"), "first", "second")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.main_screen
        await screen.open_conversation(first.id)
        await type_text(pilot, "more about the first")
        await screen.open_conversation(second.id)
        await type_text(pilot, "more about the second")
        await pilot.press("ctrl+q")
    assert saved_drafts(tmp_path / "data") == {
        first.id: "more about the first",
        second.id: "more about the second",
    }
    again = make_app(tmp_path)
    async with again.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen = again.main_screen
        box = screen.query_one(PromptInput)
        assert screen.conversation.id == second.id  # reopened, with its draft
        assert box.text == "more about the second"
        await screen.open_conversation(first.id)
        assert box.text == "more about the first"


async def test_text_typed_before_a_kill_9_is_in_the_box_again(tmp_path: Path) -> None:
    data = tmp_path / "tui-data"
    async with PtyApp(cli_env(tmp_path)) as app:
        await app.wait_for(b"Message")
        app.send(b"typed, then the terminal died")
        await app.wait_for(b"the terminal died")
        # The app saves the drafts a second after the last key: wait for that file.
        deadline = time.monotonic() + 20
        while not (data / "state.toml").exists() or not saved_drafts(data):
            assert time.monotonic() < deadline, "the draft was never saved"
            await asyncio.sleep(0.05)  # polling another process's file
        assert app.process is not None
        app.process.kill()
        await app.process.wait()
    async with PtyApp(cli_env(tmp_path)) as app:
        await app.wait_for(b"typed, then the terminal died")


async def test_a_new_conversations_draft_waits_for_the_next_new_one(tmp_path: Path) -> None:
    (saved,) = save_questions(ConversationStore(tmp_path / "data"), "an old one")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.main_screen
        box = screen.query_one(PromptInput)
        await type_text(pilot, "started, not sent")
        await screen.open_conversation(saved.id)
        assert box.text == ""
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert box.text == "started, not sent"
        await screen.open_conversation(saved.id)
        await pilot.press("ctrl+q")
    assert saved_drafts(tmp_path / "data") == {"new": "started, not sent"}
    again = make_app(tmp_path)
    async with again.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert again.main_screen.conversation.id == saved.id
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert again.main_screen.query_one(PromptInput).text == "started, not sent"
