"""Compare mode: one prompt to several provider:model pairs, in the app and in `ask`."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import cli_env, run_main
from tests.helpers import FirstText, app_state, flush, saved, type_text
from tests.replay_server import ReplayServer, load_cases
from tests.ui_harness import make_app, write_config
from tui.compare import PairError, check_count, keep, parse_pair, start_compare
from tui.config import load_config
from tui.domain import ChatMessage, Conversation, Role
from tui.ui.screens.compare import CompareColumn, CompareScreen, CompareSetupDialog
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.message_pane import MessagePane

CASES = load_cases()
PAIRS = {"first": "openai_include_usage", "second": "anthropic_basic_end_turn"}


def text_of(case: str) -> str:
    return str(CASES[case].expected["text"])


def test_pairs_name_known_providers_and_come_two_to_four(tmp_path: Path) -> None:
    config = load_config(tmp_path / "none.toml", tmp_path, environ={})
    assert parse_pair(config, "ollama:qwen3").model == "qwen3"
    assert parse_pair(config, "ollama").model == config.providers["ollama"].model
    with pytest.raises(PairError, match="no provider named 'nope'"):
        parse_pair(config, "nope:x")
    for count in (1, 5):
        with pytest.raises(PairError, match="2 to 4"):
            check_count(count)


def test_replies_are_one_message_and_keeping_one_keeps_the_others_as_versions(
    tmp_path: Path,
) -> None:
    config = load_config(tmp_path / "none.toml", tmp_path, environ={})
    conv = Conversation.start("ollama", "a")
    conv.add(ChatMessage(Role.USER, "hi"))
    providers = [parse_pair(config, p) for p in ("ollama:a", "vllm:b", "lmstudio:c")]
    runs = start_compare(conv, providers)
    assert len(conv.messages) == 2
    shown = conv.messages[1]
    assert shown is runs[0].message
    assert [m.model for m in shown.alternatives] == ["b", "c"]
    # Each reply was asked with the history up to the prompt, in its own model.
    assert [run.request.model for run in runs] == ["a", "b", "c"]
    assert all(len(run.request.messages) == 1 for run in runs)
    for run, text in zip(runs, ("A", "B", "C"), strict=True):
        run.message.content = text
    keep(shown, 2)
    assert (shown.content, shown.model, shown.version) == ("C", "c", 2)
    assert sorted(m.content for m in shown.alternatives) == ["A", "B"]


async def test_ask_compare_prints_each_reply_in_turn_and_a_table(
    replay: ReplayServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, replay, PAIRS)
    env = cli_env(tmp_path, TUI_CHAT_CONFIG=str(config))
    run = await run_main("ask", "--compare", "second", "--compare", "first", "hi", env=env)
    assert run.status == 0, run.stderr
    second, first = text_of("anthropic_basic_end_turn"), text_of("openai_include_usage")
    assert run.stdout == (
        f"── 1 · second:fixture-model ──\n{second}\n\n── 2 · first:fixture-model ──\n{first}\n"
    )
    table = run.stderr.splitlines()[-3:]
    assert table[0].split() == [
        "#",
        "provider:model",
        "finish",
        "in",
        "out",
        "first",
        "token",
        "time",
        "tok/s",
        "cost",
    ]
    assert table[1].split()[:5] == ["1", "second:fixture-model", "stop", "25", "15"]
    assert table[1].split()[-1] == "unknown"  # a fixture's model has no known price
    assert table[2].split()[:5] == ["2", "first:fixture-model", "stop", "24", "8"]
    (saved,) = (tmp_path / "tui-data" / "conversations").glob("*.toml")
    reply = tomllib.loads(saved.read_text(encoding="utf-8"))["messages"][1]
    assert (reply["provider"], reply["content"]) == ("second", second)
    assert [(a["provider"], a["content"]) for a in reply["alternatives"]] == [("first", first)]


async def test_ask_compare_json_tags_every_line_and_fails_if_one_fails(
    replay: ReplayServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, replay, {"good": "openai_basic_stop", "bad": "openai_http_401"})
    env = cli_env(tmp_path, TUI_CHAT_CONFIG=str(config))
    run = await run_main("ask", "--json", "--compare", "good", "--compare", "bad", "hi", env=env)
    assert run.status == 1
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert {line["provider"] for line in lines} == {"good", "bad"}
    results = {line["provider"]: line for line in lines if line["type"] == "result"}
    assert results["good"]["text"] == text_of("openai_basic_stop")
    assert results["good"]["pair"] == 1
    assert results["bad"]["finish_reason"] == "error"
    texts = "".join(e["text"] for e in lines if e["type"] == "text" and e["pair"] == 1)
    assert texts == text_of("openai_basic_stop")
    bad = await run_main("ask", "--compare", "good", "hi", env=env)
    assert bad.status == 2
    assert "2 to 4" in bad.stderr


HELD = {"held": "openai_include_usage", "fast": "openai_basic_stop"}
"""The first pair's stream is held after its first text, the second's runs to the end."""


async def open_compare(app: Any, pilot: Any, pairs: list[str]) -> CompareScreen:
    """Type "hi", press F7 with `pairs` ticked, compare."""
    app_state(app).compare = pairs
    await type_text(pilot, "hi")
    await pilot.press("f7")
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, CompareSetupDialog)
    assert list(dialog.query_one("SelectionList").selected) == pairs  # type: ignore[attr-defined]
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, CompareScreen)
    return app.screen


async def test_f7_streams_side_by_side_and_keeps_the_chosen_reply(
    replay: ReplayServer, tmp_path: Path
) -> None:
    app = make_app(tmp_path, replay, "first", cases=PAIRS)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_compare(app, pilot, ["first:fixture-model", "second:fixture-model"])
        await app.workers.wait_for_complete()
        await pilot.pause()
        columns = list(screen.query(CompareColumn))
        assert [c.border_title for c in columns] == [
            "1 · first:fixture-model",
            "2 · second:fixture-model",
        ]
        assert not screen.query_one("#columns").has_class("-stacked")
        assert columns[0].view.shown_text == text_of("openai_include_usage")
        assert columns[1].view.shown_text == text_of("anthropic_basic_end_turn")
        assert "8 tokens" in str(columns[0].border_subtitle)
        assert "first " in str(columns[0].border_subtitle)
        assert "✓ stop" in columns[1].view.finish_text
        await pilot.press("2")
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        reply = main.conversation.messages[-1]
        assert (reply.provider, reply.content) == ("second", text_of("anthropic_basic_end_turn"))
        assert [m.content for m in reply.alternatives] == [text_of("openai_include_usage")]
        assert main.provider.name == "second"  # the conversation goes on with the kept one
        assert "version 2 of 2" in main.query_one(MessagePane).views[-1].who
        flush(app)
    (raw,) = saved(tmp_path)
    assert raw["messages"][1]["version"] == 1
    assert raw["messages"][1]["alternatives"][0]["provider"] == "first"
    assert len(replay.requests) == 2


async def test_one_reply_stops_on_its_own_and_narrow_terminals_stack(
    replay: ReplayServer, tmp_path: Path
) -> None:
    hold = replay.hold(HELD["held"], after=2)
    first_text = FirstText()
    app = make_app(tmp_path, replay, "held", cases=HELD)
    async with app.run_test(size=(70, 40), message_hook=first_text.hook) as pilot:
        screen = await open_compare(app, pilot, ["held:fixture-model", "fast:fixture-model"])
        await first_text.wait(f"{app.main_screen.conversation.id}/0")  # the first reply
        assert hold.reached.is_set()  # the first reply is certainly still streaming
        assert screen.query_one("#columns").has_class("-stacked")
        assert isinstance(app.focused, CompareColumn)
        assert app.focused.number == 1
        await pilot.press("s")  # stops the held one only
        await app.workers.wait_for_complete()
        await pilot.pause()
        held, fast = (run.message for run in screen.runs)
        assert held.finish_reason == "cancelled"
        assert held.content  # what arrived is kept
        assert text_of(HELD["held"]).startswith(held.content)
        assert held.content != text_of(HELD["held"])
        assert fast.finish_reason == "stop"
        assert fast.content == text_of("openai_basic_stop")
        await pilot.press("escape")  # nothing runs: closes, keeping the first
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.screen.conversation.messages[-1].finish_reason == "cancelled"


async def test_quitting_mid_compare_saves_every_partial_reply(
    replay: ReplayServer, tmp_path: Path
) -> None:
    hold = replay.hold(HELD["held"], after=2)
    first_text = FirstText()
    app = make_app(tmp_path, replay, "held", cases=HELD)
    async with app.run_test(size=(140, 40), message_hook=first_text.hook) as pilot:
        await open_compare(app, pilot, ["held:fixture-model", "fast:fixture-model"])
        await first_text.wait(f"{app.main_screen.conversation.id}/0")  # the first reply
        assert hold.reached.is_set()  # the first reply is certainly still streaming
        await pilot.press("ctrl+q")
        await pilot.pause()
    (conv,) = saved(tmp_path)
    reply = conv["messages"][1]
    assert reply["provider"] == "held"
    assert reply["content"]  # what had arrived
    assert text_of(HELD["held"]).startswith(reply["content"])
    assert reply["content"] != text_of(HELD["held"])
    assert reply["finish_reason"] == "cancelled"
    assert [a["provider"] for a in reply["alternatives"]] == ["fast"]


async def test_the_setup_dialogs_help_wraps_inside_its_box(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_text(pilot, "hi")
        await pilot.press("f7")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CompareSetupDialog)
        help_line = dialog.query_one(".help")
        box = help_line.parent
        assert box is not None
        assert help_line.region.right <= box.content_region.right
        assert help_line.region.height == 2  # its words on two lines, none cut off
