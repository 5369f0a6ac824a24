"""A message typed while a reply streams is queued: shown above the box, sent when the
reply ends, and taken back into the box with Esc (never lost)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from tests.helpers import saved, settle, type_text
from tests.replay_server import ReplayServer
from tests.test_app import HELD, mid_stream
from tui.ui.widgets.prompt_input import PromptInput


async def test_a_message_typed_while_a_reply_streams_goes_when_it_ends(
    replay: ReplayServer, tmp_path: Path
) -> None:
    async with mid_stream(tmp_path, replay) as (app, pilot):
        await type_text(pilot, "and then this")
        await pilot.press("enter")
        line = app.main_screen.query_one("#pending-images", Static)
        assert "queued: “and then this”" in str(line.render())
        assert app.main_screen.query_one(PromptInput).text == ""
        assert len(replay.requests) == 1  # not sent yet
        replay.holds[HELD].release()
        await settle(app, pilot)
        await settle(app, pilot)  # the queued message's own reply
        assert not line.display
    (conv,) = saved(tmp_path)
    assert [m["role"] for m in conv["messages"]] == ["user", "assistant", "user", "assistant"]
    assert conv["messages"][2]["content"] == "and then this"
    assert len(replay.requests) == 2


async def test_escape_takes_a_queued_message_back_into_the_box(
    replay: ReplayServer, tmp_path: Path
) -> None:
    async with mid_stream(tmp_path, replay) as (app, pilot):
        await type_text(pilot, "second thoughts")
        await pilot.press("enter")
        await pilot.press("escape")
        prompt = app.main_screen.query_one(PromptInput)
        assert prompt.text == "second thoughts"
        assert app.main_screen.sender.queued is None
        assert app.main_screen.conversation.id in app.session.replies  # still streaming
        replay.holds[HELD].release()
        await settle(app, pilot)
        assert prompt.text == "second thoughts"
    assert len(replay.requests) == 1
