"""The tool step between rounds, end to end: the real SDK clients against the scripted
tool model on 127.0.0.1, and a real MCP server (the toolbox, over stdio) through the hub.

One hub and one model server serve the whole module (a toolbox takes about a second to
start); each test builds its own conversation, run and approval answers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.mcp_helpers import toolbox_config
from tests.tool_model import ToolModelServer
from tui.config import ProviderConfig
from tui.domain import ChatMessage, Conversation, Role
from tui.engine import ReplyRun, build_request, new_reply
from tui.engine.request import NOT_RUN
from tui.engine.state import ToolCall
from tui.engine.tool_step import CANCELLED, Phase, ToolActivity, ToolStep
from tui.providers.anthropic_msgs import AnthropicProvider
from tui.providers.events import FinishReason
from tui.providers.openai_chat import OpenAIChatProvider
from tui.tools.approval import DECLINED, ApprovalPolicy, Decision
from tui.tools.hub import ToolHub
from tui.tools.model import ToolInfo
from tui.tools.results import RESULT_LIMIT

pytestmark = pytest.mark.asyncio(loop_scope="module")

KINDS = ["openai", "anthropic"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def model() -> AsyncIterator[ToolModelServer]:
    server = ToolModelServer()
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hub() -> AsyncIterator[ToolHub]:
    tools = ToolHub(
        [
            toolbox_config("box", auto_approve=["add", "huge", "die"]),
            toolbox_config(
                "quick", tools=("slow", "echo", "counts"), timeout=0.5, auto_approve=["*"]
            ),
        ]
    )
    await tools.start()
    yield tools
    await tools.aclose()


class Answers:
    """The user's answers to approval questions, in order; records what was asked."""

    def __init__(self, *decisions: Decision) -> None:
        self.decisions = list(decisions)
        self.asked: list[tuple[str, str]] = []

    async def __call__(self, call: ToolCall, tool: ToolInfo) -> Decision:
        self.asked.append((tool.name, call.arguments))
        return self.decisions.pop(0)


def provider_for(kind: str) -> ProviderConfig:
    return ProviderConfig(kind, "openai" if kind == "openai" else "anthropic", "tool-model")


def adapter_for(kind: str, model: ToolModelServer) -> OpenAIChatProvider | AnthropicProvider:
    if kind == "openai":
        return OpenAIChatProvider(name=kind, base_url=model.url(openai=True), api_key="x")
    return AnthropicProvider(name=kind, base_url=model.url(openai=False), api_key="x")


async def reply(
    kind: str,
    model: ToolModelServer,
    hub: ToolHub,
    prompt: str,
    answers: Answers | None = None,
    *,
    max_rounds: int = 10,
    servers: list[str] | None = None,
    on_activity: Any = None,
) -> tuple[ReplyRun, list[ToolActivity]]:
    provider = provider_for(kind)
    conv = Conversation.start(provider.name, provider.model)
    conv.add(ChatMessage(Role.USER, prompt))
    policy = ApprovalPolicy({name: hub.server_config(name) for name in ("box", "quick")})
    step = ToolStep(hub, hub.tools(servers), answers or Answers(), policy, max_rounds)
    run = ReplyRun(conv, conv.add(new_reply(provider)), provider, build_request(conv, provider))
    run.tools = step
    run.request = step.offer(run.request)
    adapter = adapter_for(kind, model)
    activity: list[ToolActivity] = []
    try:
        async for event in run.events(adapter):
            if isinstance(event, ToolActivity):
                activity.append(event)
                if on_activity is not None:
                    on_activity(run, event)
    finally:
        await adapter.aclose()
    return run, activity


@pytest.mark.parametrize("kind", KINDS)
async def test_an_auto_approved_call_runs_and_its_result_goes_back(
    kind: str, model: ToolModelServer, hub: ToolHub
) -> None:
    before = len(model.requests)
    run, activity = await reply(kind, model, hub, 'CALL add {"a": 2, "b": 3}')
    message = run.message
    assert run.state.finish_reason is FinishReason.STOP
    assert message.content == "RESULT add: 5"
    [step] = message.steps
    assert step.text == "Calling add."
    [call] = step.calls
    assert (call.name, call.server, json.loads(call.arguments)) == ("add", "box", {"a": 2, "b": 3})
    assert call.result is not None
    assert call.result.text == "5"
    assert not call.result.is_error
    assert call.result.duration_s is not None
    assert [a.phase for a in activity] == [Phase.RUNNING, Phase.DONE]
    first, second = model.requests[before:]
    offered = {t["function"]["name"] if kind == "openai" else t["name"] for t in first["tools"]}
    assert {"add", "echo", "slow", "huge", "die"} <= offered
    assert second["tools"] == first["tools"]
    # Tokens are those of both requests.
    assert message.output_tokens is not None
    assert message.input_tokens is not None
    assert message.output_tokens > (run.state.output_tokens or 0)


@pytest.mark.parametrize("kind", KINDS)
async def test_parallel_calls_are_each_asked_about_and_a_refusal_reaches_the_model(
    kind: str, model: ToolModelServer, hub: ToolHub
) -> None:
    answers = Answers(Decision.ONCE, Decision.DENY)
    prompt = 'CALL echo {"text": "one"} && echo {"text": "two"}'
    run, activity = await reply(kind, model, hub, prompt, answers, servers=["box"])
    assert [json.loads(args)["text"] for _, args in answers.asked] == ["one", "two"]
    [step] = run.message.steps
    results = [c.result for c in step.calls]
    assert results[0] is not None
    assert results[0].text == "one"
    assert results[1] is not None
    assert results[1].text == DECLINED
    assert results[1].is_error
    assert run.message.content.splitlines() == [
        "RESULT echo: one",
        f"RESULT echo [error]: {DECLINED}",
    ]
    assert [a.phase for a in activity].count(Phase.ASKING) == 2


async def test_always_allows_the_tool_for_the_later_rounds(
    model: ToolModelServer, hub: ToolHub
) -> None:
    answers = Answers(Decision.ALWAYS)
    prompt = 'CALL echo {"text": "a"}\nCALL echo {"text": "b"}'
    run, _ = await reply("openai", model, hub, prompt, answers, servers=["box"])
    assert len(answers.asked) == 1
    assert [s.calls[0].result.text for s in run.message.steps if s.calls[0].result] == ["a", "b"]
    assert run.message.content == "RESULT echo: a\nRESULT echo: b"


@pytest.mark.parametrize("kind", KINDS)
async def test_a_model_that_calls_tools_forever_stops_at_the_round_limit(
    kind: str, model: ToolModelServer, hub: ToolHub
) -> None:
    run, _ = await reply(kind, model, hub, 'LOOP add {"a": 1, "b": 1}', max_rounds=3)
    message = run.message
    assert run.state.finish_reason is FinishReason.TOOL_LIMIT
    assert message.finish_reason == "tool_limit"
    assert len(message.steps) == 3
    assert all(s.calls[0].result and s.calls[0].result.text == "2" for s in message.steps)
    # The calls of the last round did not run; sent again later, they say so.
    [unrun] = message.tool_calls
    assert unrun.result is None
    conv = run.conversation
    conv.add(ChatMessage(Role.USER, "go on"))
    turns = build_request(conv, provider_for(kind)).messages
    assert turns[-2].role == "tool"
    assert turns[-2].tool_results[0].text == NOT_RUN


async def test_an_unknown_tool_and_broken_arguments_get_error_results(
    model: ToolModelServer, hub: ToolHub
) -> None:
    prompt = 'CALLANY nosuch {}\nCALL add {"a": 1, "b":'
    run, _ = await reply("openai", model, hub, prompt)
    unknown, broken = (s.calls[0].result for s in run.message.steps)
    assert unknown is not None
    assert unknown.is_error
    assert "no tool named 'nosuch'" in unknown.text
    assert broken is not None
    assert broken.is_error
    assert "not valid JSON" in broken.text
    assert run.state.finish_reason is FinishReason.STOP
    lines = run.message.content.splitlines()
    assert lines[0].startswith("RESULT nosuch [error]:")


async def test_a_call_past_its_timeout_gets_an_error_and_the_server_goes_on(
    model: ToolModelServer, hub: ToolHub
) -> None:
    run, _ = await reply("openai", model, hub, 'CALL slow {"seconds": 30}', servers=["quick"])
    [call] = run.message.steps[0].calls
    assert call.result is not None
    assert call.result.is_error
    assert "timed out" in call.result.text
    echo = next(t for t in hub.tools(["quick"]) if t.name == "echo")
    again = await hub.call(echo, {"text": "still here"})
    assert again.text == "still here"


async def test_a_huge_result_is_cut_for_the_model_with_a_note(
    model: ToolModelServer, hub: ToolHub
) -> None:
    before = len(model.requests)
    run, _ = await reply("openai", model, hub, 'CALL huge {"chars": 200000}', servers=["box"])
    [call] = run.message.steps[0].calls
    assert call.result is not None
    assert len(call.result.text) < RESULT_LIMIT + 200
    assert "200,000" in call.result.text
    sent = model.requests[before + 1]["messages"][-1]["content"]
    assert sent == call.result.text


async def test_a_cancelled_run_saves_the_call_with_a_cancelled_result(
    model: ToolModelServer, hub: ToolHub
) -> None:
    provider = provider_for("openai")
    conv = Conversation.start(provider.name, provider.model)
    conv.add(ChatMessage(Role.USER, 'CALL slow {"seconds": 30}'))
    step = ToolStep(hub, hub.tools(["quick"]), Answers(), ApprovalPolicy(approve_all=True))
    run = ReplyRun(conv, conv.add(new_reply(provider)), provider, build_request(conv, provider))
    run.tools = step
    run.request = step.offer(run.request)
    adapter = adapter_for("openai", model)
    running = asyncio.Event()

    async def drive() -> None:
        async for event in run.events(adapter):
            if isinstance(event, ToolActivity) and event.phase is Phase.RUNNING:
                running.set()

    cancelled_before = int((await slow_counts(hub)).rsplit("=", 1)[1])
    task = asyncio.create_task(drive())
    run.canceller = task.cancel
    await running.wait()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await adapter.aclose()
    assert run.message.finish_reason == "cancelled"
    [call] = run.message.tool_calls
    assert call.result is not None
    assert call.result.text == CANCELLED
    assert call.result.is_error
    assert run.message.content == "Calling quick__slow."  # both servers have a `slow`
    # The server was told to stop the call (MCP cancellation), and answers the next one.
    assert f"cancelled={cancelled_before + 1}" in await slow_counts(hub, cancelled_before + 1)
    echo = next(t for t in hub.tools(["quick"]) if t.name == "echo")
    assert (await hub.call(echo, {"text": "alive"})).text == "alive"


async def slow_counts(hub: ToolHub, cancelled: int = 0) -> str:
    """The quick server's count of `slow` calls started and cancelled."""
    counts = ToolInfo("quick", "counts", "counts")
    return (await hub.call(counts, {"cancelled": cancelled})).text


@pytest.mark.parametrize(("first", "then"), [("openai", "anthropic"), ("anthropic", "openai")])
async def test_a_tool_history_goes_to_another_provider_in_its_own_shape(
    model: ToolModelServer, hub: ToolHub, first: str, then: str
) -> None:
    run, _ = await reply(first, model, hub, 'CALL add {"a": 4, "b": 5}', servers=["box"])
    conv = run.conversation
    conv.add(ChatMessage(Role.USER, "and now?"))
    provider = provider_for(then)
    before = len(model.requests)
    follow = ReplyRun(conv, conv.add(new_reply(provider)), provider, build_request(conv, provider))
    follow.request = ToolStep(hub, hub.tools(["box"]), Answers()).offer(follow.request)
    adapter = adapter_for(then, model)
    try:
        async for _ in follow.events(adapter):
            pass
    finally:
        await adapter.aclose()
    assert follow.message.content == "ok: and now?"
    sent = model.requests[before]["messages"]
    if then == "anthropic":
        blocks = sent[1]["content"]
        assert [b["type"] for b in blocks] == ["text", "tool_use"]
        assert blocks[1]["input"] == {"a": 4, "b": 5}
        # The turn before the latest user turn carries a prompt cache mark (on by
        # default for the anthropic kind): here it is the tool result itself.
        assert sent[2]["content"] == [
            {
                "type": "tool_result",
                "tool_use_id": "call_0_0",
                "content": "9",
                "cache_control": {"type": "ephemeral"},
            }
        ]
    else:
        assert sent[1]["tool_calls"][0]["function"]["arguments"] == '{"a": 4, "b": 5}'
        assert sent[2] == {"role": "tool", "tool_call_id": "toolu_0_0", "content": "9"}
    assert [m["role"] for m in sent] == [
        "user",
        "assistant",
        "tool" if then == "openai" else "user",
        "assistant",
        "user",
    ]
    assert sent[3]["content"] == "RESULT add: 9"


@pytest.mark.parametrize("kind", KINDS)
async def test_without_tools_offered_a_tool_history_is_sent_as_text(
    kind: str, model: ToolModelServer, hub: ToolHub
) -> None:
    run, _ = await reply(kind, model, hub, 'CALL add {"a": 4, "b": 5}', servers=["box"])
    conv = run.conversation
    conv.add(ChatMessage(Role.USER, "and now?"))
    provider = provider_for(kind)
    before = len(model.requests)
    follow = ReplyRun(conv, conv.add(new_reply(provider)), provider, build_request(conv, provider))
    adapter = adapter_for(kind, model)
    try:
        async for _ in follow.events(adapter):
            pass
    finally:
        await adapter.aclose()
    body = model.requests[before]
    assert "tools" not in body
    text = json.dumps(body["messages"])
    assert "tool_use" not in text
    assert "tool_call" not in text
    assert [m["role"] for m in body["messages"]] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert '[called the tool add with {\\"a\\": 4, \\"b\\": 5}]' in text
    assert "[add returned: 9]" in text
