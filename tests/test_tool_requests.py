"""Tool turns and tools as each adapter sends them, through the real SDK clients to the
scripted model in tests/tool_model.py (the exact bodies, and whole call-result rounds)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.tool_model import ToolModelServer
from tui.engine.state import ReplyState
from tui.providers.anthropic_msgs import AnthropicProvider
from tui.providers.base import (
    ChatRequest,
    RequestMessage,
    RequestToolCall,
    RequestToolResult,
    ToolDefinition,
)
from tui.providers.events import Finished, FinishReason, StreamError, ToolCallDelta
from tui.providers.offline import OfflineProvider
from tui.providers.openai_chat import OpenAIChatProvider, OpenAIChunkMapper

Provider = OpenAIChatProvider | AnthropicProvider

PATH_SCHEMA = {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}
TOOLS = (
    ToolDefinition("files__read_file", "Read a text file.", PATH_SCHEMA),
    ToolDefinition("list_dir", "List a folder.", PATH_SCHEMA),
)
CALLS = (
    RequestToolCall("call_a", "files__read_file", '{"path":"README.md"}'),
    RequestToolCall("call_b", "list_dir", '{"path":"docs"}'),
)
HISTORY = (
    RequestMessage("user", "What is in the README and docs?"),
    RequestMessage("assistant", "Let me look.", tool_calls=CALLS),
    RequestMessage(
        "tool",
        "",
        tool_results=(
            RequestToolResult("call_a", "files__read_file", "# tui-chat"),
            RequestToolResult("call_b", "list_dir", "no such folder", is_error=True),
        ),
    ),
    RequestMessage("user", "Thanks. And the licence?"),
)


@pytest.fixture
async def model() -> AsyncIterator[ToolModelServer]:
    server = ToolModelServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def provider_for(server: ToolModelServer, api: str) -> Provider:
    if api == "openai":
        return OpenAIChatProvider(name="openai", base_url=server.url(openai=True), api_key="x")
    return AnthropicProvider(name="anthropic", base_url=server.url(openai=False), api_key="x")


async def reply(server: ToolModelServer, api: str, request: ChatRequest) -> ReplyState:
    """Stream one reply through the adapter; the stream must end well and once."""
    provider = provider_for(server, api)
    state = ReplyState()
    try:
        events = [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()
    for event in events:
        state.apply(event)
    assert not [e for e in events if isinstance(e, StreamError)]
    assert sum(isinstance(e, Finished) for e in events) == 1
    return state


def request(*messages: RequestMessage, tools: tuple[ToolDefinition, ...] = TOOLS) -> ChatRequest:
    return ChatRequest(model="tool-model", messages=messages, system="Be brief.", tools=tools)


async def test_openai_sends_calls_results_and_tools_in_its_shape(model: ToolModelServer) -> None:
    state = await reply(model, "openai", request(*HISTORY))
    (body,) = model.requests
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is in the README and docs?"},
        {
            "role": "assistant",
            "content": "Let me look.",
            "tool_calls": [
                {
                    "id": "call_a",
                    "type": "function",
                    "function": {"name": "files__read_file", "arguments": '{"path":"README.md"}'},
                },
                {
                    "id": "call_b",
                    "type": "function",
                    "function": {"name": "list_dir", "arguments": '{"path":"docs"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_a", "content": "# tui-chat"},
        {"role": "tool", "tool_call_id": "call_b", "content": "Error: no such folder"},
        {"role": "user", "content": "Thanks. And the licence?"},
    ]
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "files__read_file",
                "description": "Read a text file.",
                "parameters": PATH_SCHEMA,
            },
        },
        {
            "type": "function",
            "function": {
                "name": "list_dir",
                "description": "List a folder.",
                "parameters": PATH_SCHEMA,
            },
        },
    ]
    assert body["stream"] is True
    assert state.text == "ok: Thanks. And the licence?"


async def test_anthropic_sends_blocks_with_results_before_the_next_user_text(
    model: ToolModelServer,
) -> None:
    state = await reply(model, "anthropic", request(*HISTORY))
    (body,) = model.requests
    assert body["system"] == "Be brief."
    assert body["messages"] == [
        {"role": "user", "content": "What is in the README and docs?"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me look."},
                {
                    "type": "tool_use",
                    "id": "call_a",
                    "name": "files__read_file",
                    "input": {"path": "README.md"},
                },
                {"type": "tool_use", "id": "call_b", "name": "list_dir", "input": {"path": "docs"}},
            ],
        },
        # The tool turn and the user's next message are one user message: results first.
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "call_a", "content": "# tui-chat"},
                {
                    "type": "tool_result",
                    "tool_use_id": "call_b",
                    "content": "no such folder",
                    "is_error": True,
                },
                {"type": "text", "text": "Thanks. And the licence?"},
            ],
        },
    ]
    assert body["tools"] == [
        {
            "name": "files__read_file",
            "description": "Read a text file.",
            "input_schema": PATH_SCHEMA,
        },
        {"name": "list_dir", "description": "List a folder.", "input_schema": PATH_SCHEMA},
    ]
    assert state.text == "ok: Thanks. And the licence?"


async def test_a_silent_call_turn_has_no_text(model: ToolModelServer) -> None:
    """An assistant turn that only called tools: OpenAI content null, no empty text block
    for Anthropic (which refuses empty text)."""
    history = (
        RequestMessage("user", "look"),
        RequestMessage("assistant", "", tool_calls=CALLS[:1]),
        RequestMessage("tool", "", tool_results=(RequestToolResult("call_a", "f", "ok"),)),
    )
    await reply(model, "openai", request(*history))
    await reply(model, "anthropic", request(*history))
    openai_body, anthropic_body = model.requests
    assert openai_body["messages"][2]["content"] is None
    assert anthropic_body["messages"][1]["content"] == [
        {
            "type": "tool_use",
            "id": "call_a",
            "name": "files__read_file",
            "input": {"path": "README.md"},
        }
    ]
    assert anthropic_body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "call_a", "content": "ok"}
    ]


@pytest.mark.parametrize("api", ["openai", "anthropic"])
async def test_no_tools_offered_sends_no_tools_key_and_plain_strings(
    model: ToolModelServer, api: str
) -> None:
    plain = (
        RequestMessage("user", "a"),
        RequestMessage("user", "b"),
        RequestMessage("assistant", "c"),
        RequestMessage("user", "d"),
    )
    state = await reply(model, api, request(*plain, tools=()))
    (body,) = model.requests
    assert "tools" not in body
    contents = [m["content"] for m in body["messages"] if m["role"] != "system"]
    assert contents == (["a", "b", "c", "d"] if api == "openai" else ["a\n\nb", "c", "d"])
    assert state.text == "ok: d"


def follow_up(
    history: tuple[RequestMessage, ...], state: ReplyState, *results: Any
) -> tuple[RequestMessage, ...]:
    """The history after `state`'s calls and their `results` ((text, is_error) each, in
    call order), the way the reply engine builds it."""
    calls = tuple(
        RequestToolCall(call.id or "", call.name, call.arguments)
        for _, call in sorted(state.tool_calls.items())
    )
    assert len(calls) == len(results)
    answered = tuple(
        RequestToolResult(call.id, call.name, text, is_error)
        for call, (text, is_error) in zip(calls, results, strict=True)
    )
    return (
        *history,
        RequestMessage("assistant", state.text, tool_calls=calls),
        RequestMessage("tool", "", tool_results=answered),
    )


@pytest.mark.parametrize("api", ["openai", "anthropic"])
async def test_two_rounds_of_calls_then_the_results(model: ToolModelServer, api: str) -> None:
    script = (
        'Please look.\nCALL read_file {"path": "README.md"} && list_dir {"path": "docs"}\n'
        'CALL read_file {"path": "LICENSE"}'
    )
    history: tuple[RequestMessage, ...] = (RequestMessage("user", script),)
    prefix = "call" if api == "openai" else "toolu"

    first = await reply(model, api, request(*history))
    assert first.finish_reason is FinishReason.TOOL_CALLS
    assert first.text == "Calling files__read_file, list_dir."
    calls = [(c.id, c.name, c.arguments) for _, c in sorted(first.tool_calls.items())]
    assert calls == [
        (f"{prefix}_0_0", "files__read_file", '{"path": "README.md"}'),
        (f"{prefix}_0_1", "list_dir", '{"path": "docs"}'),
    ]

    history = follow_up(history, first, ("# tui-chat", False), ("no such folder", True))
    second = await reply(model, api, request(*history))
    assert second.finish_reason is FinishReason.TOOL_CALLS
    (call,) = second.tool_calls.values()
    assert (call.id, call.name, call.arguments) == (
        f"{prefix}_1_0",
        "files__read_file",
        '{"path": "LICENSE"}',
    )

    history = follow_up(history, second, ("MIT", False))
    last = await reply(model, api, request(*history))
    assert last.finish_reason is FinishReason.STOP
    assert not last.tool_calls
    assert last.text == (
        "RESULT files__read_file: # tui-chat\n"
        "RESULT list_dir [error]: no such folder\n"
        "RESULT files__read_file: MIT"
    )
    assert len(model.requests) == 3
    if api == "openai":
        assert last.input_tokens is not None  # the usage chunk came (include_usage)


@pytest.mark.parametrize("api", ["openai", "anthropic"])
async def test_broken_arguments_from_the_model_go_back_without_a_crash(
    model: ToolModelServer, api: str
) -> None:
    history: tuple[RequestMessage, ...] = (
        RequestMessage("user", 'CALL read_file {"path": "READ && list_dir [1, 2]'),
    )
    first = await reply(model, api, request(*history))
    assert [c.arguments for c in first.tool_calls.values()] == ['{"path": "READ', "[1, 2]"]

    history = follow_up(history, first, ("?", True), ("?", True))
    last = await reply(model, api, request(*history))
    assert last.text == "RESULT files__read_file [error]: ?\nRESULT list_dir [error]: ?"
    sent = model.requests[-1]["messages"]
    if api == "openai":
        sent_calls = sent[2]["tool_calls"]  # after the system prompt and the user's message
        assert [c["function"]["arguments"] for c in sent_calls] == ['{"path": "READ', "[1, 2]"]
    else:
        uses = [b for b in sent[1]["content"] if b["type"] == "tool_use"]
        assert [b["input"] for b in uses] == [{}, {}]  # not a JSON object: sent with no input


async def test_a_tool_not_offered_is_not_called_unless_callany(model: ToolModelServer) -> None:
    asked = await reply(model, "openai", request(RequestMessage("user", "CALL rm {}")))
    assert asked.text == "NO TOOL rm OFFERED"
    assert asked.finish_reason is FinishReason.STOP
    forced = await reply(model, "anthropic", request(RequestMessage("user", "CALLANY rm {}")))
    assert [c.name for c in forced.tool_calls.values()] == ["rm"]


async def test_loop_calls_again_after_every_result(model: ToolModelServer) -> None:
    history: tuple[RequestMessage, ...] = (RequestMessage("user", 'LOOP list_dir {"path": "."}'),)
    for round_ in range(3):
        state = await reply(model, "anthropic", request(*history))
        (call,) = state.tool_calls.values()
        assert call.id == f"toolu_{round_}_0"
        history = follow_up(history, state, ("again", False))


async def test_a_held_stream_waits_until_released(model: ToolModelServer) -> None:
    hold = model.hold(after=2)
    task = asyncio.create_task(reply(model, "openai", request(RequestMessage("user", "x" * 50))))
    await hold.reached.wait()
    assert not task.done()
    hold.release()
    state = await task
    assert state.text == "ok: " + "x" * 40


async def test_the_offline_guide_reads_a_history_with_tool_turns() -> None:
    provider = OfflineProvider(chunk_delay=0)
    events = [e async for e in provider.stream(request(*HISTORY))]
    state = ReplyState()
    for event in events:
        state.apply(event)
    assert "Thanks. And the licence?" in state.text
    assert state.finish_reason is FinishReason.STOP


def mapped(*deltas: list[dict[str, Any]]) -> list[tuple[int, str | None, str | None, str]]:
    """ToolCallDeltas of chunks whose deltas carry these tool_calls lists."""
    mapper = OpenAIChunkMapper()
    out = []
    for calls in deltas:
        for event in mapper.handle({"choices": [{"index": 0, "delta": {"tool_calls": calls}}]}):
            assert isinstance(event, ToolCallDelta)
            out.append((event.index, event.id, event.name, event.arguments))
    return out


def whole(call_id: str, name: str, index: int | None = None) -> dict[str, Any]:
    call: dict[str, Any] = {"id": call_id, "function": {"name": name, "arguments": "{}"}}
    return call if index is None else {**call, "index": index}


def test_calls_without_an_index_are_told_apart_by_their_ids() -> None:
    # Ollama: both calls whole in one chunk, no index.
    assert mapped([whole("a", "x"), whole("b", "y")]) == [
        (0, "a", "x", "{}"),
        (1, "b", "y", "{}"),
    ]
    # Newer Ollama: one whole call per chunk, each with index 0.
    assert [d[0] for d in mapped([whole("a", "x", 0)], [whole("b", "y", 0)])] == [0, 1]


def test_pieces_with_a_repeated_id_or_no_index_join_their_call() -> None:
    repeated = mapped(
        [{"index": 0, "id": "a", "function": {"name": "x", "arguments": ""}}],
        [{"index": 0, "id": "a", "function": {"arguments": '{"k"'}}],
        [{"index": 1, "id": "b", "function": {"name": "y", "arguments": "{}"}}],
        [{"index": 0, "id": "a", "function": {"arguments": ": 1}"}}],
    )
    assert [(i, args) for i, _, _, args in repeated] == [
        (0, ""),
        (0, '{"k"'),
        (1, "{}"),
        (0, ": 1}"),
    ]
    unindexed = mapped(
        [{"id": "a", "function": {"name": "x", "arguments": '{"k"'}}],
        [{"function": {"arguments": ": 1}"}}],
    )
    assert [i for i, *_ in unindexed] == [0, 0]
