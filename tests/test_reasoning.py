"""Reasoning controls: what each API is sent, what is counted, kept and shown."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.cli_runner import cli_env, run_main
from tests.helpers import send, views
from tests.replay_server import ReplayServer, load_cases
from tests.ui_harness import make_app
from tui import reasoning
from tui.cli.json_result import result_object
from tui.config import PRESETS, ConfigError, load_config
from tui.domain import ChatMessage, Conversation, Role
from tui.engine import build_request
from tui.engine.state import ReplyState
from tui.providers.anthropic_msgs import AnthropicProvider
from tui.providers.base import ChatRequest, RequestMessage
from tui.providers.openai_chat import OpenAIChatProvider
from tui.reasoning import ReasoningSetting
from tui.store import ConversationStore
from tui.ui.widgets.status_bar import StatusBar

CASES = load_cases()
HI = (RequestMessage("user", "hi"),)


async def test_openai_gets_reasoning_effort_and_max_completion_tokens(
    replay: ReplayServer,
) -> None:
    provider = OpenAIChatProvider(
        name="openai", base_url=replay.url("deepseek_reasoning", openai=True), api_key="x"
    )
    request = ChatRequest("o4-mini", HI, max_tokens=500, reasoning_effort="high")
    state = ReplyState()
    try:
        async for event in provider.stream(request):
            state.apply(event)
    finally:
        await provider.aclose()
    (_, _, body) = replay.requests[-1]
    assert body["reasoning_effort"] == "high"
    assert body["max_completion_tokens"] == 500
    assert "max_tokens" not in body
    # Counted apart from the rest of the output, where the provider reports it.
    assert state.output_tokens == 61
    assert state.reasoning_tokens == 47
    assert result_object(state)["reasoning_tokens"] == 47


async def test_anthropic_gets_thinking_with_room_for_the_answer(replay: ReplayServer) -> None:
    provider = AnthropicProvider(
        name="anthropic",
        base_url=replay.url("anthropic_thinking_text", openai=False),
        api_key="x",
    )
    request = ChatRequest("claude-test", HI, max_tokens=1000, temperature=0.2, thinking_budget=2048)
    try:
        events = [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()
    assert events
    (_, _, body) = replay.requests[-1]
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["max_tokens"] == 3048  # the budget must be below max_tokens
    assert "temperature" not in body  # refused by the API while thinking


async def test_nothing_is_sent_when_unset(replay: ReplayServer) -> None:
    provider = OpenAIChatProvider(
        name="openai", base_url=replay.url("openai_basic_stop", openai=True), api_key="x"
    )
    try:
        [_ async for _ in provider.stream(ChatRequest("m", HI, max_tokens=9))]
    finally:
        await provider.aclose()
    (_, _, body) = replay.requests[-1]
    assert "reasoning_effort" not in body
    assert body["max_tokens"] == 9


@pytest.mark.parametrize(
    ("provider", "model", "effort", "budget"),
    [
        ("openai", "o4-mini", "high", None),
        ("openai", "gpt-4o-mini", None, None),  # would refuse the field
        ("openrouter", "openai/gpt-4.1", None, None),
        ("ollama", "qwen3:8b", "high", None),  # local names are free-form: sent
        ("anthropic", "claude-sonnet-4-5", None, 4096),
        ("anthropic", "claude-3-5-haiku-latest", None, None),
        ("offline", "offline-guide", None, None),
    ],
)
def test_settings_go_only_to_models_that_take_them(
    provider: str, model: str, effort: str | None, budget: int | None
) -> None:
    conv = Conversation.start(provider, model, reasoning_effort="high", thinking_budget=4096)
    conv.add(ChatMessage(Role.USER, "hi"))
    config = PRESETS[provider]
    request = build_request(conv, config.__class__(**{**_fields(config), "model": model}))
    assert (request.reasoning_effort, request.thinking_budget) == (effort, budget)


def _fields(config: object) -> dict[str, object]:
    return {name: getattr(config, name) for name in config.__slots__}  # type: ignore[attr-defined]


def test_the_key_steps_through_levels_of_the_providers_kind() -> None:
    setting = ReasoningSetting()
    efforts = []
    for _ in range(4):
        setting = reasoning.step(setting, "openai")
        efforts.append(setting.effort)
    assert efforts == ["low", "medium", "high", None]
    budgets = []
    for _ in range(4):
        setting = reasoning.step(setting, "anthropic")
        budgets.append(setting.thinking_budget)
    assert budgets == [1024, 4096, 16384, None]
    shown = ReasoningSetting("high", 4096)
    assert reasoning.describe(shown, "openai", "o3") == "effort high"
    assert reasoning.describe(shown, "openai", "gpt-4o") == "effort high (not for gpt-4o)"
    assert reasoning.describe(shown, "anthropic", "claude-opus-4-1") == "thinking 4,096"


def test_settings_and_reasoning_tokens_are_kept_in_the_file(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv = Conversation.start("openai", "o3", reasoning_effort="low", thinking_budget=2048)
    conv.add(ChatMessage(Role.USER, "hi"))
    conv.add(ChatMessage(Role.ASSISTANT, "yes", output_tokens=90, reasoning_tokens=80))
    path = store.save(conv)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert raw["conversation"]["reasoning_effort"] == "low"
    assert raw["conversation"]["thinking_budget"] == 2048
    assert raw["messages"][1]["reasoning_tokens"] == 80
    again = store.load(conv.id)
    assert (again.reasoning_effort, again.thinking_budget) == ("low", 2048)
    assert again.messages[1].reasoning_tokens == 80


def test_config_sets_defaults_and_refuses_bad_values(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[providers.openai]\nreasoning_effort = "medium"\n'
        "[providers.anthropic]\nthinking_budget = 8000\n",
        encoding="utf-8",
    )
    config = load_config(path, tmp_path, environ={})
    assert config.providers["openai"].reasoning_effort == "medium"
    assert config.providers["anthropic"].thinking_budget == 8000
    path.write_text('[providers.openai]\nreasoning_effort = "max"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 2.*reasoning_effort"):
        load_config(path, tmp_path, environ={})
    path.write_text("[providers.anthropic]\nthinking_budget = 10\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="at least 1024"):
        load_config(path, tmp_path, environ={})


async def test_ask_passes_reasoning_effort_and_prints_reasoning_tokens(
    replay: ReplayServer, tmp_path: Path
) -> None:
    url = replay.url("deepseek_reasoning", openai=True)
    run = await run_main(
        "ask",
        "--provider",
        "openai",
        "--base-url",
        url,
        "--model",
        "o3",
        "--reasoning-effort",
        "low",
        "--json",
        "hi",
        env=cli_env(tmp_path),
    )
    assert run.status == 0, run.stderr
    (_, _, body) = replay.requests[-1]
    assert body["reasoning_effort"] == "low"
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["reasoning_tokens"] == 47
    assert "(47 reasoning)" in run.stderr
    (saved,) = (tmp_path / "tui-data" / "conversations").glob("*.toml")
    raw = tomllib.loads(saved.read_text(encoding="utf-8"))
    assert raw["conversation"]["reasoning_effort"] == "low"
    bad = await run_main("ask", "--thinking-budget", "5", "hi", env=cli_env(tmp_path))
    assert bad.status == 2
    assert "at least 1024" in bad.stderr


async def test_f6_sets_effort_for_this_conversation_and_the_next_request_carries_it(
    replay: ReplayServer, tmp_path: Path
) -> None:
    app = make_app(tmp_path, replay, "local", cases={"local": "deepseek_reasoning"})
    async with app.run_test(size=(120, 36)) as pilot:
        status = app.screen.query_one(StatusBar)
        await pilot.press("f6", "f6", "f6")
        await pilot.pause()
        assert status.provider_label == "local · fixture-model · effort high"
        await send(app, pilot, "hi")
        (_, _, body) = replay.requests[-1]
        assert body["reasoning_effort"] == "high"
        conv = app.main_screen.conversation
        assert conv.messages[-1].reasoning_tokens == 47
        assert "61 out tokens (47 reasoning)" in views(app)[-1].finish_text
        await pilot.press("f6")
        await pilot.pause()
        assert status.provider_label == "local · fixture-model"
        await send(app, pilot, "again")
        (_, _, body) = replay.requests[-1]
        assert "reasoning_effort" not in body
    (saved,) = (tmp_path / "data" / "conversations").glob("*.toml")
    raw = tomllib.loads(saved.read_text(encoding="utf-8"))
    assert "reasoning_effort" not in raw["conversation"]
    assert raw["messages"][1]["reasoning_tokens"] == 47
