"""Every recorded stream through the real SDK clients and our adapters.

Cases are discovered from tests/fixtures/streams/, so a new `.sse` + `.json` pair is
tested without touching this file.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.replay_server import ReplayServer, StreamCase, load_cases
from tui.providers.anthropic_msgs import AnthropicProvider
from tui.providers.base import ChatRequest, RequestMessage
from tui.providers.events import Finished, StreamError, StreamEvent
from tui.providers.openai_chat import OpenAIChatProvider
from tui.providers.reply import ReplyState

CASES = load_cases()
COMPARED = (
    "text",
    "reasoning",
    "refusal",
    "finish_reason",
    "raw_finish_reason",
    "usage",
    "tool_calls",
    "error",
)


def modes(case: StreamCase) -> list[str]:
    return ["event"] if case.slow or case.http_error else ["event", "ragged"]


async def replay_case(server: ReplayServer, case: StreamCase) -> list[StreamEvent]:
    request = ChatRequest(model="fixture-model", messages=(RequestMessage("user", "hi"),))
    provider: OpenAIChatProvider | AnthropicProvider
    if case.expected["provider"] == "openai":
        provider = OpenAIChatProvider(
            name="openai", base_url=server.url(case.name, openai=True), api_key="x"
        )
    else:
        provider = AnthropicProvider(
            name="anthropic", base_url=server.url(case.name, openai=False), api_key="x"
        )
    try:
        return [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()


def expected_result(case: StreamCase) -> dict[str, Any]:
    return {key: case.expected[key] for key in COMPARED}


@pytest.mark.parametrize(
    ("name", "mode"),
    [(name, mode) for name, case in CASES.items() for mode in modes(case)],
)
async def test_case_matches_expected_result(replay: ReplayServer, name: str, mode: str) -> None:
    case = CASES[name]
    replay.mode = mode  # type: ignore[assignment]
    events = await replay_case(replay, case)

    state = ReplyState()
    for event in events:
        state.apply(event)
    result = state.as_result()
    assert {key: result[key] for key in COMPARED} == expected_result(case)

    # The stream contract: exactly one Finished, and it comes last.
    assert sum(isinstance(e, Finished) for e in events) == 1
    assert isinstance(events[-1], Finished)
    errors = [e for e in events if isinstance(e, StreamError)]
    assert len(errors) == (1 if case.expected["error"] else 0)
    if errors:
        assert errors[0].message  # a sentence for people, never empty


def test_cases_were_discovered() -> None:
    assert len(CASES) >= 34
    assert all(case.expected["provider"] in ("openai", "anthropic") for case in CASES.values())


async def test_openai_request_asks_for_usage_and_streams(replay: ReplayServer) -> None:
    await replay_case(replay, CASES["openai_include_usage"])
    ((_, path, body),) = replay.requests
    assert path == "/v1/chat/completions"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [{"role": "user", "content": "hi"}]


async def test_anthropic_request_shape(replay: ReplayServer) -> None:
    await replay_case(replay, CASES["anthropic_basic_end_turn"])
    ((_, path, body),) = replay.requests
    assert path == "/v1/messages"
    assert body["stream"] is True
    assert body["max_tokens"] > 0
