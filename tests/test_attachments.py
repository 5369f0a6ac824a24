"""Files attached to a question: sent in full, stored with the message, refused if odd."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.cli_runner import cli_env, run_main
from tests.helpers import pane_text, settle
from tests.replay_server import ReplayServer
from tests.test_ask import provider_args
from tests.ui_harness import make_app
from tui.attachments import with_attachments
from tui.domain import Attachment, ChatMessage, Conversation, Role
from tui.store import ConversationStore
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.prompt_input import PromptInput

CODE = 'def greet():\n    return "```hi```"\n'


def test_a_file_is_sent_in_a_fence_longer_than_any_in_it() -> None:
    sent = with_attachments("explain", [Attachment("greet.py", CODE)])
    assert sent == f"explain\n\nFile `greet.py`:\n````\n{CODE}````"


async def test_ask_f_sends_the_file_and_stores_it_with_the_question(
    replay: ReplayServer, tmp_path: Path
) -> None:
    source = tmp_path / "greet.py"
    source.write_text(CODE)
    env = cli_env(tmp_path)
    run = await run_main(
        "ask", *provider_args(replay, "openai_basic_stop"), "-f", str(source), "explain", env=env
    )
    assert run.status == 0, run.stderr
    (_, _, body) = replay.requests[-1]
    assert body["messages"][-1]["content"] == with_attachments(
        "explain", [Attachment(str(source), CODE)]
    )
    (saved,) = (tmp_path / "tui-data" / "conversations").glob("*.toml")
    question = tomllib.loads(saved.read_text(encoding="utf-8"))["messages"][0]
    assert question["content"] == "explain"
    assert question["attachments"] == [{"name": str(source), "text": CODE}]


async def test_binary_and_huge_files_are_refused_before_anything_is_sent(
    replay: ReplayServer, tmp_path: Path
) -> None:
    (tmp_path / "config.toml").write_text("attach_limit_kib = 1\n")
    binary = tmp_path / "archive.bin"
    binary.write_bytes(b"PK\x03\x04\x00\x00\x00")
    huge = tmp_path / "big.txt"
    huge.write_text("x" * 4096)
    env = cli_env(tmp_path)
    args = provider_args(replay, "openai_basic_stop")
    for path, words in ((binary, "looks binary"), (huge, "is 4 KiB; files over 1 KiB")):
        run = await run_main("ask", *args, "-f", str(path), "look", env=env)
        assert run.status == 2
        assert words in run.stderr
    missing = await run_main("ask", *args, "-f", str(tmp_path / "nope.txt"), "look", env=env)
    assert "no such file" in missing.stderr
    assert replay.requests == []


async def test_an_attached_file_shows_as_a_chip_under_the_question(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "data")
    conv = Conversation.start("offline", "offline-guide")
    conv.add(ChatMessage(Role.USER, "explain", attachments=[Attachment("src/greet.py", CODE)]))
    store.save(conv)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await app.main_screen.open_conversation(conv.id)
        await pilot.pause()
        shown = pane_text(app.main_screen.query_one(MessagePane))
        assert f" 📎 src/greet.py ({len(CODE.encode())} B)" in [row.rstrip() for row in shown]


async def test_at_path_completes_with_tab_and_attaches_on_send(
    replay: ReplayServer, tmp_path: Path
) -> None:
    source = tmp_path / "greet.py"
    source.write_text(CODE)
    (tmp_path / "image.bin").write_bytes(b"\x00\x01")
    app = make_app(tmp_path, replay, "openai_basic_stop")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        prompt = app.main_screen.query_one(PromptInput)
        prompt.insert(f"explain @{tmp_path}/gre")
        await pilot.press("tab")
        assert prompt.text == f"explain @{source}"
        await pilot.press("enter")
        await settle(app, pilot)
        question = app.main_screen.conversation.messages[0]
        assert question.attachments == [Attachment(str(source), CODE)]
        (_, _, body) = replay.requests[-1]
        assert CODE in body["messages"][-1]["content"]
        prompt.insert(f"and @{tmp_path}/image.bin")
        await pilot.press("enter")
        await settle(app, pilot)
        assert prompt.text == f"and @{tmp_path}/image.bin"  # refused: kept, not sent
        assert len(replay.requests) == 1
