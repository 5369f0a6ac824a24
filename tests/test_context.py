"""The context meter: window sizes, the fill estimate, and the question before overflowing."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import openai
import pytest

from tests.helpers import flush, send, views
from tests.replay_server import ReplayServer
from tests.ui_harness import make_app
from tui.config import PRESETS, load_config
from tui.context import Fill, Window, fill, known_window, meter, oldest_to_drop, short_count
from tui.domain import ChatMessage, Conversation, Role
from tui.engine import build_request
from tui.providers.context_probe import server_window
from tui.session.catalog import ProviderCatalog
from tui.session.pool import AdapterPool
from tui.ui.screens.dialogs import ChoiceDialog
from tui.ui.widgets.prompt_input import PromptInput
from tui.ui.widgets.status_bar import StatusBar


def test_known_models_and_short_counts() -> None:
    assert known_window("gpt-4o-mini") == 128_000
    assert known_window("openai/gpt-4.1-mini") == 1_047_576  # longest prefix, vendor dropped
    assert known_window("gpt-4") == 8_192
    assert known_window("claude-opus-4-1") == 200_000
    assert known_window("my-finetune") is None
    assert [short_count(n) for n in (950, 3_200, 12_345, 128_000, 1_047_576)] == [
        "950",
        "3.2k",
        "12.3k",
        "128k",
        "1.05M",
    ]


def test_fill_counts_the_last_reported_input_and_estimates_the_rest() -> None:
    conv = Conversation.start("p", "m", system_prompt="x" * 40)
    conv.add(ChatMessage(Role.USER, "a" * 400))
    assert fill(conv) == Fill(10 + 100, exact=False)
    conv.add(ChatMessage(Role.ASSISTANT, "b" * 80, input_tokens=130, output_tokens=25))
    assert fill(conv) == Fill(155, exact=True)
    assert fill(conv, [ChatMessage(Role.USER, "c" * 40)]) == Fill(165, exact=False)
    # A reply whose request left out old messages: they count again (by estimate).
    conv.messages[-1].dropped = 1
    assert fill(conv) == Fill(255, exact=False)


def test_meter_warns_from_80_percent_and_marks_an_overflow() -> None:
    assert meter(Fill(50, True), 1000) == ("ctx 50/1k ▰▱▱▱▱▱▱▱▱▱ 5%", "")
    assert meter(Fill(800, False), 1000) == ("ctx ~800/1k ▰▰▰▰▰▰▰▰▱▱ 80%", "-warning")
    assert meter(Fill(1500, True), 1000)[1] == "-over"
    assert meter(Fill(1500, True), None) == ("", "")


def test_dropping_takes_whole_exchanges_and_never_the_new_message() -> None:
    conv = Conversation.start("p", "m")
    for _ in range(3):
        conv.add(ChatMessage(Role.USER, "u" * 400))  # 100 tokens each
        conv.add(ChatMessage(Role.ASSISTANT, "a" * 400))
    new = ChatMessage(Role.USER, "n" * 400)
    assert oldest_to_drop(conv, new, 10_000) == 0
    assert oldest_to_drop(conv, new, 550) == 2  # 4 old + new = 500 tokens
    assert oldest_to_drop(conv, new, 350) == 4
    assert oldest_to_drop(conv, new, 50) == 6  # even alone it is too big
    conv.add(new)
    request = build_request(conv, PRESETS["ollama"], drop=4)
    assert [m.content[0] for m in request.messages] == ["u", "a", "n"]


@pytest.mark.parametrize(
    ("routes", "window"),
    [
        ({"/api/show": {"model_info": {"llama.context_length": 131072}}}, 131072),
        (
            {
                "/api/show": {
                    "parameters": "stop <|eot|>\nnum_ctx 8192",
                    "model_info": {"llama.context_length": 131072},
                }
            },
            8192,  # what Ollama runs it with, not what it was trained for
        ),
        ({"/props": {"default_generation_settings": {"n_ctx": 4096}}}, 4096),
        ({}, None),
    ],
)
async def test_servers_say_their_window_each_in_their_own_way(
    replay: ReplayServer, routes: dict[str, object], window: int | None
) -> None:
    replay.routes = routes
    base = replay.url("openai_basic_stop", openai=True)
    client = openai.AsyncOpenAI(base_url=base, api_key="x", max_retries=0)
    try:
        assert await server_window(client, base, "fixture-model", 2.0) == window
    finally:
        await client.close()


async def test_the_meter_shows_the_window_the_server_reports(
    replay: ReplayServer, tmp_path: Path
) -> None:
    replay.routes = {"/api/show": {"model_info": {"llama.context_length": 100}}}
    app = make_app(tmp_path, replay, "local", cases={"local": "openai_include_usage"})
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "hi")
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = app.screen.query_one(StatusBar)
        # 24 in + 8 out reported by the reply, of 100 the server said.
        assert status.context == ("ctx 32/100 ▰▰▰▱▱▱▱▱▱▱ 32%", "")
        assert "ctx 32/100" in str(status.query_one("#context").render())


async def test_overflow_choices_drop_send_or_keep_editing(
    replay: ReplayServer, tmp_path: Path
) -> None:
    app = make_app(
        tmp_path,
        replay,
        "local",
        cases={"local": "openai_include_usage"},
        settings={"local": ["context_window = 60"]},
    )
    long_text = "word " * 24  # about 30 tokens: 32 + 30 > 60
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "hi")
        status = app.screen.query_one(StatusBar)
        assert status.context[1] == ""  # 32 of 60
        prompt = app.screen.query_one(PromptInput)

        # Cancel: nothing is sent and the text stays in the box.
        prompt.load_text(long_text)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        assert "holds 60 (config)" in app.screen.text
        await pilot.press("escape")
        await pilot.pause()
        assert len(replay.requests) == 1
        assert app.main_screen.query_one(PromptInput).text == long_text

        # Drop: the request leaves out the first exchange; the conversation keeps it.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        (_, _, body) = replay.requests[-1]
        assert [m["content"] for m in body["messages"]] == [long_text]
        conv = app.main_screen.conversation
        assert len(conv.messages) == 4
        assert conv.messages[-1].dropped == 2
        assert "sent without the 2 oldest messages" in views(app)[-1].finish_text

        # Send anyway: everything goes.
        prompt.load_text(long_text)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        (_, _, body) = replay.requests[-1]
        assert len(body["messages"]) == 5
        flush(app)
    (saved,) = (tmp_path / "data" / "conversations").glob("*.toml")
    raw = tomllib.loads(saved.read_text(encoding="utf-8"))
    assert [m.get("dropped_messages", 0) for m in raw["messages"]] == [0, 0, 0, 2, 0, 0]


def test_a_window_set_in_config_wins_over_the_server_and_the_table(tmp_path: Path) -> None:
    config = load_config(tmp_path / "none.toml", tmp_path, environ={})
    catalog = ProviderCatalog(config, AdapterPool(), environ={})
    ollama = replace(config.providers["ollama"], model="llama3.2")
    assert catalog.window_now(ollama) == Window(131_072, "table")
    assert catalog.needs_asking(ollama)
    catalog.windows[("ollama", "llama3.2")] = Window(2048, "server")
    assert catalog.window_now(ollama) == Window(2048, "server")  # what it runs with
    assert not catalog.needs_asking(ollama)
    assert catalog.window_now(replace(ollama, context_window=60)) == Window(60, "config")
