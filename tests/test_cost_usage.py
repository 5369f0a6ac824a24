"""The data of costs: cached tokens and provider-reported costs from the streams into the
reply's message, and Anthropic prompt caching in the request body (through the real SDK
clients against the replay server, which records each body)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from anthropic.types import RawMessageStreamEvent
from pydantic import TypeAdapter

from tests.replay_server import ReplayServer
from tui.cli.json_result import result_object
from tui.config import PRESETS, ConfigError, ProviderConfig, load_config
from tui.domain import ChatMessage, Conversation, Role
from tui.engine import ReplyRun, ReplyState, build_request, new_reply, record_reply
from tui.providers.anthropic_msgs import AnthropicEventMapper, AnthropicProvider
from tui.providers.base import (
    ChatRequest,
    RequestMessage,
    RequestToolCall,
    RequestToolResult,
    ToolDefinition,
)
from tui.providers.events import Finished, FinishReason, Usage
from tui.providers.openai_chat import OpenAIChatProvider, OpenAIChunkMapper

EPHEMERAL = {"type": "ephemeral"}
HISTORY = (
    RequestMessage("user", "Read the contract."),
    RequestMessage(
        "assistant", "Done: 12 sections.", tool_calls=(RequestToolCall("c1", "r", "{}"),)
    ),
    RequestMessage("tool", "", tool_results=(RequestToolResult("c1", "r", "contract text"),)),
    RequestMessage("user", "What does section 4 say?"),
)


async def anthropic_body(replay: ReplayServer, request: ChatRequest) -> dict[str, Any]:
    url = replay.url("anthropic_basic_end_turn", openai=False)
    provider = AnthropicProvider(name="anthropic", base_url=url, api_key="x")
    try:
        events = [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()
    assert events[-1] == Finished(FinishReason.STOP, "end_turn")
    ((_, path, body),) = replay.requests
    assert path == "/v1/messages"
    return body


FOLDED_CALL = "Done: 12 sections.\n\n[called the tool r with {}]"
FOLDED_QUESTION = "[r returned: contract text]\n\nWhat does section 4 say?"
"""HISTORY without tools: its tool round folded into text (see `without_tool_turns`)."""


async def test_anthropic_marks_the_system_prompt_and_the_two_latest_user_turns(
    replay: ReplayServer,
) -> None:
    history = (RequestMessage("user", "Hello."), RequestMessage("assistant", "Hi."), *HISTORY)
    request = ChatRequest("claude-x", history, system="You are terse.", prompt_caching=True)
    body = await anthropic_body(replay, request)
    assert body["system"] == [
        {"type": "text", "text": "You are terse.", "cache_control": EPHEMERAL}
    ]
    assert body["messages"] == [
        {"role": "user", "content": "Hello."},  # older turns stay as they were
        {"role": "assistant", "content": "Hi."},
        {
            "role": "user",
            "content": [{"type": "text", "text": "Read the contract.", "cache_control": EPHEMERAL}],
        },
        {"role": "assistant", "content": FOLDED_CALL},
        {
            "role": "user",
            "content": [{"type": "text", "text": FOLDED_QUESTION, "cache_control": EPHEMERAL}],
        },
    ]
    assert str(body).count("cache_control") == 3  # of the 4 the API allows


async def test_anthropic_marks_the_last_block_of_a_turn_with_tool_results(
    replay: ReplayServer,
) -> None:
    tool = ToolDefinition("r", "Read.", {"type": "object", "properties": {}})
    request = ChatRequest("claude-x", HISTORY, tools=(tool,), prompt_caching=True)
    body = await anthropic_body(replay, request)
    assert "system" not in body
    assert body["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "Read the contract.", "cache_control": EPHEMERAL}],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Done: 12 sections."},
                {"type": "tool_use", "id": "c1", "name": "r", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "c1", "content": "contract text"},
                {"type": "text", "text": "What does section 4 say?", "cache_control": EPHEMERAL},
            ],
        },
    ]


async def test_anthropic_without_prompt_caching_sends_no_cache_control(
    replay: ReplayServer,
) -> None:
    request = ChatRequest("claude-x", HISTORY, system="You are terse.")
    body = await anthropic_body(replay, request)
    assert body["system"] == "You are terse."
    assert body["messages"] == [
        {"role": "user", "content": "Read the contract."},
        {"role": "assistant", "content": FOLDED_CALL},
        {"role": "user", "content": FOLDED_QUESTION},
    ]
    assert "cache_control" not in str(body)


async def test_openai_bodies_are_the_same_with_prompt_caching(replay: ReplayServer) -> None:
    bodies = []
    for caching in (False, True):
        url = replay.url("openai_include_usage", openai=True)
        provider = OpenAIChatProvider(name="openai", base_url=url, api_key="x")
        request = ChatRequest("gpt-x", HISTORY, system="You are terse.", prompt_caching=caching)
        try:
            _ = [event async for event in provider.stream(request)]
        finally:
            await provider.aclose()
        bodies.append(replay.requests[-1][2])
    assert bodies[0] == bodies[1]
    assert bodies[0]["messages"][0] == {"role": "system", "content": "You are terse."}
    assert "cache_control" not in str(bodies[1])


@pytest.mark.parametrize(
    ("name", "setting", "expected"),
    [
        ("anthropic", None, True),  # on by default for the anthropic kind
        ("anthropic", False, False),
        ("openai", None, False),
        ("openai", True, True),  # asked for: sent on (the OpenAI adapter ignores it)
    ],
)
def test_build_request_takes_prompt_caching_from_the_provider(
    name: str, setting: bool | None, expected: bool
) -> None:
    provider = replace(PRESETS[name], prompt_caching=setting)
    conv = Conversation.start(provider.name, provider.model)
    conv.add(ChatMessage(Role.USER, "hi"))
    assert build_request(conv, provider).prompt_caching is expected


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_prompt_caching_is_read_from_the_provider_table(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "[providers.anthropic]\nprompt_caching = false\n"
        '[providers.mine]\nkind = "openai"\nmodel = "m"\nprompt_caching = true\n',
    )
    config = load_config(path, tmp_path, environ={})
    assert config.providers["anthropic"].prompt_caching is False
    assert config.providers["mine"].prompt_caching is True
    assert config.providers["openai"].prompt_caching is None  # not set: the kind decides


@pytest.mark.parametrize("value", ['"yes"', "1"])
def test_prompt_caching_must_be_true_or_false(tmp_path: Path, value: str) -> None:
    path = write_config(tmp_path, f"[providers.anthropic]\n\nprompt_caching = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, tmp_path, environ={})
    message = str(caught.value)
    assert f"{path}, line 3:" in message
    assert "'prompt_caching' in [providers.anthropic] must be a boolean (true or false)" in message


# ------------------------------------------------------------------ the adapters' counts

EVENTS: TypeAdapter[RawMessageStreamEvent] = TypeAdapter(RawMessageStreamEvent)


def anthropic_usage(*raw: dict[str, Any]) -> list[Usage]:
    mapper = AnthropicEventMapper()
    out = []
    for data in raw:
        out += [e for e in mapper.handle(EVENTS.validate_python(data)) if isinstance(e, Usage)]
    return out


def message_start(**usage: int) -> dict[str, Any]:
    message: dict[str, Any] = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-x",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"output_tokens": 1, **usage},
    }
    return {"type": "message_start", "message": message}


def message_delta(**usage: int) -> dict[str, Any]:
    delta = {"stop_reason": "end_turn", "stop_sequence": None}
    return {"type": "message_delta", "delta": delta, "usage": usage}


def test_anthropic_counts_all_input_and_keeps_cache_counts_a_later_usage_leaves_out() -> None:
    start = message_start(
        input_tokens=10, cache_read_input_tokens=900, cache_creation_input_tokens=90
    )
    first, last = anthropic_usage(start, message_delta(output_tokens=20))
    assert first == Usage(1000, 1, cached_input_tokens=900, cache_write_tokens=90)
    assert last == Usage(1000, 20, cached_input_tokens=900, cache_write_tokens=90)


def test_anthropic_takes_the_latest_cache_counts_of_a_message_delta() -> None:
    start = message_start(input_tokens=10, cache_read_input_tokens=0)
    update = message_delta(
        output_tokens=5, input_tokens=12, cache_read_input_tokens=0, cache_creation_input_tokens=400
    )
    assert anthropic_usage(start, update)[-1] == Usage(412, 5, cache_write_tokens=400)


def openai_usage(usage: dict[str, Any]) -> Usage:
    (event,) = OpenAIChunkMapper().handle({"choices": [], "usage": usage})
    assert isinstance(event, Usage)
    return event


def test_openai_usage_reads_cached_tokens_and_a_cost() -> None:
    usage = {
        "prompt_tokens": 50,
        "completion_tokens": 4,
        "prompt_tokens_details": {"cached_tokens": 32},
        "cost": 0.0125,
    }
    assert openai_usage(usage) == Usage(50, 4, None, 32, None, 0.0125)


@pytest.mark.parametrize(
    ("cost", "expected"), [(0, 0.0), (0.0, 0.0), (1, 1.0), (True, None), ("0.1", None)]
)
def test_a_free_model_costs_zero_and_a_cost_that_is_not_a_number_is_unknown(
    cost: object, expected: float | None
) -> None:
    event = openai_usage({"prompt_tokens": 5, "completion_tokens": 1, "cost": cost})
    assert event.cost_usd == expected
    assert event.cost_usd is None or isinstance(event.cost_usd, float)


# ------------------------------------------------------------------ the engine


def round_state(cached: int | None, written: int | None, cost: float | None) -> ReplyState:
    state = ReplyState()
    state.apply(Usage(1000, 10, None, cached, written, cost))
    state.apply(Usage(1000, 20))  # a later usage without them keeps them
    state.apply(Finished(FinishReason.STOP))
    return state


def test_record_reply_sums_cached_tokens_and_costs_over_rounds() -> None:
    message = ChatMessage(Role.ASSISTANT, "")
    record_reply(message, round_state(None, 5, 0.5), [round_state(800, None, 0.25)])
    assert (message.input_tokens, message.output_tokens) == (2000, 40)
    assert (message.cached_input_tokens, message.cache_write_tokens) == (800, 5)
    assert message.cost_usd == 0.75


def test_a_round_without_a_reported_cost_leaves_the_reply_unpriced() -> None:
    message = ChatMessage(Role.ASSISTANT, "")
    record_reply(message, round_state(None, None, None), [round_state(None, None, 0.25)])
    assert message.cost_usd is None  # never the cost of a part passed off as the whole
    assert message.cached_input_tokens is None
    assert message.cache_write_tokens is None


def test_result_object_carries_the_cost_and_cache_counts() -> None:
    state = round_state(800, 7, 0.5)
    result = result_object(state)
    assert result["cost_usd"] == 0.5
    assert result["usage"] == {
        "input_tokens": 1000,
        "output_tokens": 20,
        "cached_input_tokens": 800,
        "cache_write_tokens": 7,
    }
    assert result_object(round_state(None, None, None))["cost_usd"] is None
    assert result_object(round_state(None, None, None), cost_usd=0.002)["cost_usd"] == 0.002


def make_run(price: Any) -> ReplyRun:
    provider = ProviderConfig("p", "openai", "m")
    conv = Conversation.start("p", "m")
    conv.add(ChatMessage(Role.USER, "hi"))
    message = new_reply(provider)
    conv.add(message)
    request = ChatRequest("m", (RequestMessage("user", "hi"),))
    return ReplyRun(conv, message, provider, request, clock=lambda: 0.0, price=price)


def cost_of(run: ReplyRun) -> float | None:
    return run.message.cost_usd


def test_a_reply_the_provider_did_not_price_is_priced_once_it_ends() -> None:
    asked: list[tuple[str, int | None]] = []

    def price(provider: ProviderConfig, message: ChatMessage) -> float | None:
        asked.append((provider.name, message.input_tokens))
        return 0.004

    run = make_run(price)
    run.apply(Usage(100, 3))
    run.record()
    assert cost_of(run) is None  # not while it streams
    assert asked == []
    run.apply(Finished(FinishReason.STOP))
    run.close()
    assert cost_of(run) == 0.004
    assert asked == [("p", 100)]


def test_a_cost_the_provider_reported_is_kept_over_the_price() -> None:
    def price(provider: ProviderConfig, message: ChatMessage) -> float | None:
        raise AssertionError("a reported cost needs no price")

    run = make_run(price)
    run.apply(Usage(100, 3, cost_usd=0.0))  # a free model: a price, not an unknown
    run.apply(Finished(FinishReason.STOP))
    run.close()
    assert run.message.cost_usd == 0.0
