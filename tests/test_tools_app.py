"""Tools in the app, driven with Pilot: the approval dialog (y, a, n, Esc), the Tools
screen, stopping a reply while a tool runs, and the tool history after a restart.

The provider is the scripted tool model on 127.0.0.1 (`CALL name {json}` in the message
makes it call a tool); the tools come from a real MCP server: the toolbox over
streamable HTTP shared by the suite (a stdio one takes a second to start per app), and
over stdio where the Tools screen shows the transport.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import call_blocks, flush, saved, settle, type_text, views
from tests.mcp_helpers import http_box, toolbox_config
from tests.tool_model import ToolModelServer
from tests.tools_app import approval_dialog, on_screen, tools_app, tools_ready, until
from tui.engine.tool_step import CANCELLED
from tui.tools.approval import DECLINED
from tui.ui.screens.approval import ApprovalDialog
from tui.ui.screens.main import MainScreen
from tui.ui.screens.tools_screen import ToolsScreen

SIZE = (120, 40)


@pytest.fixture
async def model() -> AsyncIterator[ToolModelServer]:
    server = ToolModelServer()
    await server.start()
    yield server
    await server.stop()


def reply_of(home: Path) -> dict[str, Any]:
    (conv,) = saved(home)
    return dict(conv["messages"][-1])


async def ask(app: Any, pilot: Any, text: str) -> None:
    """Type `text` (lines joined with Ctrl+J) and send it."""
    for index, line in enumerate(text.split("\n")):
        if index:
            await pilot.press("ctrl+j")
        await type_text(pilot, line)
    await pilot.press("enter")


@pytest.mark.parametrize(("key", "runs"), [("y", True), ("n", False), ("escape", False)])
async def test_the_dialog_shows_the_whole_call_and_the_answer_decides(
    tmp_path: Path, model: ToolModelServer, box_url: str, key: str, runs: bool
) -> None:
    app = tools_app(tmp_path, model, [http_box(box_url)])
    text = "x" * 700  # long arguments (many lines in the dialog) are shown whole, never cut
    async with app.run_test(size=SIZE) as pilot:
        await tools_ready(app, pilot)
        await ask(app, pilot, f'CALL echo {{"text": "{text}"}}')
        dialog = await approval_dialog(app, pilot)
        shown = str(dialog.query_one("#json").render())
        assert json.loads(shown) == {"text": text}
        assert "echo on the MCP server box" in str(dialog.query_one("#question").render())
        await pilot.press(key)
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        [block] = call_blocks(app)
        assert ("✓" in block.head_text) is runs
    call = reply_of(tmp_path)["steps"][0]["calls"][0]
    assert call["result"] == (text if runs else DECLINED)
    assert call.get("is_error", False) is not runs
    assert reply_of(tmp_path)["content"].startswith("RESULT echo")


async def test_always_runs_the_tool_without_asking_again(
    tmp_path: Path, model: ToolModelServer, box_url: str
) -> None:
    app = tools_app(tmp_path, model, [http_box(box_url)])
    asked = 0

    async with app.run_test(size=SIZE, message_hook=None) as pilot:
        await tools_ready(app, pilot)
        await ask(app, pilot, 'CALL echo {"text": "one"}\nCALL echo {"text": "two"}')
        await approval_dialog(app, pilot)
        asked += 1
        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        # A later reply in the same session is not asked about either.
        await ask(app, pilot, 'CALL echo {"text": "three"}')
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
    assert asked == 1
    messages = saved(tmp_path)[0]["messages"]
    first, second = messages[1], messages[3]
    assert [s["calls"][0]["result"] for s in first["steps"]] == ["one", "two"]
    assert second["steps"][0]["calls"][0]["result"] == "three"


async def test_the_tools_screen_lists_servers_and_turns_a_tool_off_for_the_conversation(
    tmp_path: Path, model: ToolModelServer
) -> None:
    servers = [toolbox_config("box", auto_approve=["*"]), toolbox_config("off", enabled=False)]
    app = tools_app(tmp_path, model, servers)
    async with app.run_test(size=SIZE) as pilot:
        await tools_ready(app, pilot)
        await ask(app, pilot, 'CALL add {"a": 1, "b": 2}')
        await settle(app, pilot)
        await pilot.press("f8")
        screen = await on_screen(app, pilot, ToolsScreen)
        listing = screen.query_one("#tools")
        lines = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert any(line.startswith("box  (stdio) · ready, ") for line in lines)
        assert any("off  (stdio) · disabled in the config" in line for line in lines)
        assert any(line.strip().startswith("[x] echo") for line in lines)
        listing.highlighted = listing.get_option_index("tool:box/echo")
        await pilot.press("space")
        assert any(
            line.strip().startswith("[ ] echo")
            for line in (
                str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)
            )
        )
        await pilot.press("escape")
        await ask(app, pilot, 'CALL echo {"text": "hi"}')
        await settle(app, pilot)
    offered = [t["function"]["name"] for t in model.requests[-1]["tools"]]
    assert "echo" not in offered
    assert "add" in offered
    assert reply_of(tmp_path)["content"] == "NO TOOL echo OFFERED"
    (conv,) = saved(tmp_path)
    assert conv["conversation"]["disabled_tools"] == ["box/echo"]


async def test_escape_while_a_tool_runs_cancels_it_and_keeps_what_arrived(
    tmp_path: Path, model: ToolModelServer, box_url: str
) -> None:
    app = tools_app(tmp_path, model, [http_box(box_url, auto_approve=["*"])])
    async with app.run_test(size=SIZE) as pilot:
        await tools_ready(app, pilot)
        await ask(app, pilot, 'CALL slow {"seconds": 30}')

        def running() -> bool:
            blocks = call_blocks(app)
            return bool(blocks) and "running" in blocks[0].head_text

        await until(pilot, running, "the tool running")
        await pilot.press("escape")
        await settle(app, pilot)
        [block] = call_blocks(app)
        assert "✗ error" in block.head_text
        assert "cancelled" in views(app)[-1].finish_text
    reply = reply_of(tmp_path)
    assert reply["finish_reason"] == "cancelled"
    assert reply["content"] == "Calling slow."
    assert reply["tool_calls"][0]["result"] == CANCELLED


async def test_the_tool_history_is_shown_after_a_restart_and_sent_with_the_next_message(
    tmp_path: Path, model: ToolModelServer, box_url: str
) -> None:
    servers = [http_box(box_url, auto_approve=["add"])]
    app = tools_app(tmp_path, model, servers)
    async with app.run_test(size=SIZE) as pilot:
        await tools_ready(app, pilot)
        await ask(app, pilot, 'CALL add {"a": 20, "b": 22}')
        await settle(app, pilot)
        flush(app)
    (conv,) = saved(tmp_path)
    again = tools_app(tmp_path, model, servers)
    async with again.run_test(size=SIZE) as pilot:
        await tools_ready(again, pilot)
        await again.main_screen.open_conversation(conv["conversation"]["id"])
        await pilot.pause()
        [block] = call_blocks(again)
        assert block.head_text.startswith("⚙ add · box  ✓")
        assert "42" in block.shown_result
        await ask(again, pilot, "thanks")
        await settle(again, pilot)
    sent = model.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "assistant", "user"]
    assert sent[2]["content"] == "42"


async def test_a_huge_result_shows_collapsed_and_x_expands_it(
    tmp_path: Path, model: ToolModelServer, box_url: str
) -> None:
    app = tools_app(tmp_path, model, [http_box(box_url, auto_approve=["huge"])])
    async with app.run_test(size=SIZE) as pilot:
        await tools_ready(app, pilot)
        await ask(app, pilot, 'CALL huge {"chars": 500000}')
        await settle(app, pilot)
        [block] = call_blocks(app)
        assert len(block.shown_result) <= 410
        assert "more (click, or x on the message, to expand)" in block.hint
        assert "✓ 31.3 KiB" in block.head_text  # cut for the model: 32,000 characters and a note
        await pilot.press("ctrl+o")  # the last message is focused
        await pilot.press("x")
        assert block.expanded
        assert len(block.shown_result) > 30_000
        assert block.hint == "(click, or x on the message, to collapse)"
    result = reply_of(tmp_path)["steps"][0]["calls"][0]["result"]
    assert result.endswith("the first 32,000 are shown]")
    assert "500,000" in result


async def test_keys_typed_as_the_dialog_opens_are_not_taken_as_an_answer(
    tmp_path: Path, model: ToolModelServer, box_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # However slow the machine, the quiet time does not run out while this test types.
    monkeypatch.setattr(ApprovalDialog, "ARM_S", 600.0)
    app = tools_app(tmp_path, model, [http_box(box_url)])
    async with app.run_test(size=SIZE) as pilot:
        await tools_ready(app, pilot)
        await ask(app, pilot, 'CALL echo {"text": "hi"}')
        dialog = await on_screen(app, pilot, ApprovalDialog)
        await pilot.press(*"and then")  # the next message, typed on: "a" and "n" in it
        assert app.screen is dialog
        assert app.session.tools.policy.allowed == set()
        dialog.arm()  # the quiet time has passed
        await pilot.press("y")
        await settle(app, pilot)
    assert reply_of(tmp_path)["steps"][0]["calls"][0]["result"] == "hi"
