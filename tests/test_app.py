"""The chat screen driven through Textual's Pilot against the loopback replay server."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.message import Message
from textual.widgets import Input, Label, OptionList
from textual.widgets._footer import FooterKey
from textual.worker import Worker, WorkerState

from tests.helpers import FirstText, live_ids, pane_text, saved, send, settle, type_text, views
from tests.replay_server import ReplayServer, StreamCase, load_cases
from tests.ui_harness import make_app
from tui.domain import ChatMessage, Role
from tui.ui.app import SWITCH_INTERVAL_S, ChatApp
from tui.ui.messages import ReplyDelta
from tui.ui.screens.main import MainScreen
from tui.ui.screens.model_picker import ModelPickerDialog, listed_words
from tui.ui.widgets.key_footer import KeyFooter
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.message_parts import Piece
from tui.ui.widgets.message_view import MessageView
from tui.ui.widgets.prompt_input import PromptInput
from tui.ui.widgets.status_bar import StatusBar

CASES = load_cases()


def finish_line(view: MessageView) -> str:
    return view.finish_text


HELD = "openai_include_usage"
HELD_TEXT = "The"
"""The first text of HELD's reply: its stream is held after it (its second event)."""


@asynccontextmanager
async def mid_stream(home: Path, replay: ReplayServer) -> AsyncIterator[tuple[ChatApp, Any]]:
    """An app whose reply to "hi" has started arriving and is certainly still streaming:
    the server holds the stream after its first text until the client goes away, so
    whatever the test does next lands mid-stream."""
    replay.hold(HELD, after=2)
    first_text = FirstText()
    app = make_app(home, replay, "held", cases={"held": HELD})
    async with app.run_test(size=(120, 36), message_hook=first_text.hook) as pilot:
        await type_text(pilot, "hi")
        await pilot.press("enter")
        await first_text.wait()
        assert live_ids(app) == {app.main_screen.conversation.id}
        yield app, pilot


async def test_the_footer_greys_esc_in_and_out_without_being_rebuilt(
    replay: ReplayServer, tmp_path: Path
) -> None:
    replay.hold(HELD, after=2)
    first_text = FirstText()
    app = make_app(tmp_path, replay, "held", cases={"held": HELD})
    async with app.run_test(size=(120, 36), message_hook=first_text.hook) as pilot:
        await pilot.pause()
        footer = app.main_screen.query_one(KeyFooter)
        keys = list(footer.query(FooterKey))
        (stop,) = [key for key in keys if key.action == "stop"]
        assert stop.has_class("-disabled")
        await type_text(pilot, "hi")
        await pilot.press("enter")
        await first_text.wait()
        await pilot.pause()
        assert list(footer.query(FooterKey)) == keys  # the same widgets, not new ones
        assert not stop.has_class("-disabled")
        await pilot.press("escape")
        await settle(app, pilot)
        assert list(footer.query(FooterKey)) == keys
        assert stop.has_class("-disabled")


async def test_first_run_opens_on_offline_with_focus_in_the_prompt(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, PromptInput)
        status = app.screen.query_one(StatusBar)
        assert status.provider_label == "offline · offline-guide"
        assert "OPENAI_API_KEY" in status.hint
        await send(app, pilot, "hello")
        user, reply = views(app)
        assert user.message.content == "hello"
        assert "OPENAI_API_KEY" in reply.shown_text
        assert "✓ stop" in finish_line(reply)


async def test_reply_streams_with_exact_usage_and_is_saved(
    replay: ReplayServer, tmp_path: Path
) -> None:
    case = CASES["openai_include_usage"]
    seen: list[Message] = []
    app = make_app(tmp_path, replay, "openai_include_usage")
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        await send(app, pilot, "hi")
        _, reply = views(app)
        assert reply.shown_text == case.expected["text"]
        usage = case.expected["usage"]
        label = finish_line(reply)
        assert "✓ stop" in label
        assert f"{usage['input_tokens']} in / {usage['output_tokens']} out tokens" in label
        ended = [
            m
            for m in seen
            if isinstance(m, Worker.StateChanged)
            and m.worker.group.startswith("reply:")
            and m.state is WorkerState.SUCCESS
        ]
        assert len(ended) == 1  # the reply's worker ended once, and well
        assert sum(isinstance(m, ReplyDelta) for m in seen) >= 2  # it streamed
        total = usage["input_tokens"] + usage["output_tokens"]
        assert app.screen.query_one(StatusBar).counters == (
            f"conversation: {total:,} tokens · cost unknown"  # a local server: no price
        )
    (conv,) = saved(tmp_path)
    first, second = conv["messages"]
    assert (first["role"], first["content"]) == ("user", "hi")
    assert second["content"] == case.expected["text"]
    assert second["finish_reason"] == "stop"
    assert second["input_tokens"] == usage["input_tokens"]
    assert second["output_tokens"] == usage["output_tokens"]
    assert conv["conversation"]["provider"] == "openai_include_usage"


async def test_length_is_shown_as_a_warning(replay: ReplayServer, tmp_path: Path) -> None:
    app = make_app(tmp_path, replay, "openai_finish_length")
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "hi")
        reply = views(app)[-1]
        assert "cut off at max tokens" in finish_line(reply)
        assert reply.finish_line is not None
        assert reply.finish_line.component == "message--warning"


async def test_midstream_error_keeps_partial_text(replay: ReplayServer, tmp_path: Path) -> None:
    case = CASES["openai_error_midstream"]
    app = make_app(tmp_path, replay, "openai_error_midstream")
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "hi")
        reply = views(app)[-1]
        assert reply.shown_text == case.expected["text"]
        line = finish_line(reply)
        assert "✗ error:" in line
        assert case.expected["error"]["message"] in line
        assert reply.finish_line is not None
        assert reply.finish_line.component == "message--error"
    message = saved(tmp_path)[0]["messages"][1]
    assert message["finish_reason"] == "error"
    assert message["content"] == case.expected["text"]
    assert case.expected["error"]["message"] in message["error"]


async def test_reasoning_shows_in_a_collapsed_block(replay: ReplayServer, tmp_path: Path) -> None:
    case = CASES["deepseek_reasoning"]
    app = make_app(tmp_path, replay, "deepseek_reasoning")
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "hi")
        reply = views(app)[-1]
        block = reply.reasoning
        assert block is not None
        assert not block.expanded
        assert block.text == case.expected["reasoning"]
        assert reply.shown_text == case.expected["text"]
        pane = app.main_screen.query_one(MessagePane)
        assert any(line.strip() == "▶ Reasoning" for line in pane_text(pane))
        assert not any(case.expected["reasoning"][:30] in line for line in pane_text(pane))


async def test_escape_stops_the_stream_and_keeps_the_partial_reply(
    replay: ReplayServer, tmp_path: Path
) -> None:
    async with mid_stream(tmp_path, replay) as (app, pilot):
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        reply = views(app)[-1]
        assert reply.message.finish_reason == "cancelled"
        assert "cancelled" in finish_line(reply)
        partial = reply.message.content
        full = CASES[HELD].expected["text"]
        assert partial
        assert full.startswith(partial)
        assert partial != full
        assert partial == HELD_TEXT  # exactly what had arrived
        assert reply.shown_text == partial
        assert live_ids(app) == set()
    message = saved(tmp_path)[0]["messages"][1]
    assert message["finish_reason"] == "cancelled"
    assert message["content"] == partial


async def test_restart_shows_the_same_conversation(replay: ReplayServer, tmp_path: Path) -> None:
    case = CASES["openai_finish_length"]
    app = make_app(tmp_path, replay, "openai_finish_length")
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "tell me everything")
        conversation_id = app.main_screen.conversation.id
        await pilot.press("ctrl+q")
    again = make_app(tmp_path, replay, "openai_finish_length")
    async with again.run_test(size=(120, 36)) as pilot:
        await again.workers.wait_for_complete()
        await pilot.pause()
        # The app reopens the conversation that was open when it quit...
        user, reply = views(again)
        assert user.message.content == "tell me everything"
        assert reply.shown_text == case.expected["text"]
        assert "cut off at max tokens" in finish_line(reply)
        # ...and lists it, so it can be opened again from the list.
        listing = again.main_screen.conversation_list
        assert list(listing.entries) == [conversation_id]
        await pilot.press("ctrl+n")
        assert views(again) == []
        listing.focus()
        listing.highlighted = listing.get_option_index(conversation_id)
        await pilot.press("enter")
        await pilot.pause()
        assert views(again)[0].message.content == "tell me everything"


async def test_ctrl_j_inserts_a_newline_and_enter_sends(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("a", "ctrl+j", "b")
        prompt = app.screen.query_one(PromptInput)
        assert prompt.text == "a\nb"
        assert views(app) == []
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert views(app)[0].message.content == "a\nb"
        assert prompt.text == ""


async def test_copy_last_reply(replay: ReplayServer, tmp_path: Path) -> None:
    app = make_app(tmp_path, replay, "openai_basic_stop")
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "hi")
        await pilot.press("ctrl+t")
        await app.workers.wait_for_complete()
        assert app.clipboard == CASES["openai_basic_stop"].expected["text"]


async def test_model_picker_switches_the_next_reply(replay: ReplayServer, tmp_path: Path) -> None:
    cases = {"first": "openai_basic_stop", "second": "anthropic_basic_end_turn"}
    app = make_app(tmp_path, replay, "first", cases=cases)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "hi")
        await pilot.press("f2")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ModelPickerDialog)
        await app.workers.wait_for_complete()
        assert str(picker.query_one("#models-note", Label).content) == "2 models listed by first"
        assert listed_words(1, "first") == "1 model listed by first"
        providers = picker.query_one("#providers", OptionList)
        providers.highlighted = list(app.config.providers).index("second")
        await pilot.pause()
        picker.query_one("#model-input", Input).value = "claude-test"
        picker.query_one("#model-input", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.main_screen.query_one(StatusBar).provider_label == "second · claude-test"
        await send(app, pilot, "again")
        replies = [v.message for v in views(app) if v.message.role == "assistant"]
        assert [(r.provider, r.model) for r in replies] == [
            ("first", "fixture-model"),
            ("second", "claude-test"),
        ]
        assert replies[1].content == CASES["anthropic_basic_end_turn"].expected["text"]
    # The whole history went to the second provider, in its own shape.
    (_, path, body) = replay.requests[-1]
    assert path == "/v1/messages"
    assert body["model"] == "claude-test"
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][1]["content"] == CASES["openai_basic_stop"].expected["text"]


def long_case(chunks: int) -> StreamCase:
    """An OpenAI stream of `chunks` small deltas as fast as the socket takes them."""
    words = [f"w{i} " if i % 50 else f"w{i}\n\n" for i in range(chunks)]
    lines = []
    for word in words:
        chunk = {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}],
        }
        lines.append(f"data: {json.dumps(chunk)}\n\n")
    done = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    lines += [f"data: {json.dumps(done)}\n\n", "data: [DONE]\n\n"]
    expected = {"text": "".join(words), "provider": "openai"}
    return StreamCase("long", "".join(lines).encode(), expected, None)


@pytest.fixture
async def long_replay() -> Any:
    server = ReplayServer({"long": long_case(5000)})
    await server.start()
    yield server
    await server.stop()


async def test_fast_5000_chunk_stream_is_complete_on_screen_and_disk(
    long_replay: ReplayServer, tmp_path: Path
) -> None:
    expected = long_replay.cases["long"].expected["text"]
    app = make_app(tmp_path, long_replay, "long")
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "go")
        reply = views(app)[-1]
        assert reply.shown_text == expected
        assert reply.message.finish_reason == "stop"
        # Frozen into many pieces as it streamed: a frame renders only the tail again.
        pieces = [part for part in reply.parts if isinstance(part, Piece)]
        assert len(pieces) > 1
        assert "".join(piece.text for piece in pieces).replace("\n", "") == expected.replace(
            "\n", ""
        )
    assert saved(tmp_path)[0]["messages"][1]["content"] == expected


async def test_text_after_the_first_pieces_freeze_is_drawn_in_the_tail(tmp_path: Path) -> None:
    """Text that comes after a freeze goes on in the tail (the reply's end once showed
    as an empty code block)."""
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        pane = app.main_screen.query_one(MessagePane)
        view = pane.add(ChatMessage(Role.ASSISTANT, ""), live=True)
        await pilot.pause()
        first = "word " * 150 + "\n\n```python\nvalue = 1\n"
        view.feed_text(first)
        view._flush(everything=True)
        assert len([p for p in view.parts if isinstance(p, Piece)]) == 2  # frozen, tail
        view.feed_text("value = 2\n```\n\nlast words")
        view.finish()
        await pilot.pause()
        assert view.shown_text == first + "value = 2\n```\n\nlast words"
        assert view.tail is not None
        assert view.tail.text.endswith("last words")
        assert any("last words" in line for line in pane_text(pane))


async def test_a_key_is_painted_before_the_stream_draws_again(tmp_path: Path) -> None:
    """While a reply streams, a key typed in the message box holds the reply's next draw
    until the key's echo has been painted: the echo frame stays small."""
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        pane = app.main_screen.query_one(MessagePane)
        prompt = app.main_screen.query_one(PromptInput)
        view = pane.add(ChatMessage(Role.ASSISTANT, ""), live=True)
        await pilot.pause()
        assert not prompt.echo_pending
        key = events.Key("x", "x")
        prompt.on_key(key)  # the box's handlers for a typed key, in Textual's order
        await prompt._on_key(key)
        assert prompt.text == "x"
        assert prompt.echo_pending
        view.feed_text("streamed words")
        assert view.shown_text == ""  # held: not drawn in the frame that echoes the key
        await pilot.pause()
        assert not prompt.echo_pending  # the frame with the key was painted
        view.finish()
        await pilot.pause()
        assert any("streamed words" in line for line in pane_text(pane))


async def test_pasted_lines_are_inserted_not_sent(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        app.post_message(events.Paste("line one\nline two\n"))  # as the driver does
        await pilot.pause()
        assert prompt.text == "line one\nline two\n"
        assert views(app) == []


async def test_quitting_mid_stream_saves_the_partial_reply(
    replay: ReplayServer, tmp_path: Path
) -> None:
    async with mid_stream(tmp_path, replay) as (_, pilot):
        await pilot.press("ctrl+q")
    (conv,) = saved(tmp_path)
    user, reply = conv["messages"]
    assert user["content"] == "hi"
    assert reply["finish_reason"] == "cancelled"
    assert reply["content"]  # what had arrived is on disk
    assert CASES[HELD].expected["text"].startswith(reply["content"])
    assert reply["content"] == HELD_TEXT


async def test_the_app_hands_the_gil_to_its_key_and_frame_threads_within_half_a_ms(
    tmp_path: Path,
) -> None:
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)  # Python's default
        app = make_app(tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)
        assert SWITCH_INTERVAL_S <= 0.001
    finally:
        sys.setswitchinterval(before)
