"""Costs in `tui-chat ask`: the reply's price on the result line and in the summary, and
the `[budget]` that refuses a question before any request leaves."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from tests.cli_runner import cli_env, run_main
from tests.tool_model import ToolModelServer
from tui.domain import ChatMessage, Conversation, Role
from tui.store import ConversationStore


@pytest.fixture
async def model() -> AsyncIterator[ToolModelServer]:
    server = ToolModelServer()
    await server.start()
    yield server
    await server.stop()


def setup(home: Path, model: ToolModelServer, **top: Any) -> dict[str, str]:
    provider = {
        "kind": "openai",
        "base_url": model.url(openai=True),
        "model": "tm-1",
        "prices": {"input": 2.0, "output": 8.0},
    }
    config = {**top, "providers": {"tm": provider}}
    (home / "config.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    return cli_env(home)


def spent(home: Path, *costs: float | None) -> None:
    """Replies saved today, costing `costs` (None: unknown price)."""
    store = ConversationStore(home / "tui-data")
    for cost in costs:
        conv = Conversation.start("tm", "tm-1")
        conv.add(ChatMessage(Role.USER, "earlier"))
        reply = ChatMessage(Role.ASSISTANT, "ok", provider="tm", model="tm-1")
        reply.input_tokens, reply.output_tokens, reply.cost_usd = 10, 10, cost
        reply.created_at = datetime.now(UTC)
        conv.add(reply)
        store.save(conv)


async def test_the_result_line_and_the_summary_carry_the_cost(
    tmp_path: Path, model: ToolModelServer
) -> None:
    env = setup(tmp_path, model)
    run = await run_main("ask", "--provider", "tm", "--json", "hello there", env=env)
    assert run.status == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    usage = result["usage"]
    expected = (usage["input_tokens"] * 2.0 + usage["output_tokens"] * 8.0) / 1e6
    assert result["cost_usd"] == pytest.approx(expected)
    assert "$0.0" in run.stderr.splitlines()[-1]


async def test_a_used_up_budget_refuses_before_anything_is_sent(
    tmp_path: Path, model: ToolModelServer
) -> None:
    env = setup(tmp_path, model, budget={"daily_usd": 1.0})
    spent(tmp_path, 0.6, 0.4)
    run = await run_main("ask", "--provider", "tm", "hello", env=env)
    assert run.status == 2
    assert run.stderr.strip() == (
        "tui-chat ask: The daily budget of $1.00 is used up: $1.00 spent today. "
        "Pass --over-budget to send anyway."
    )
    assert model.requests == []
    again = await run_main("ask", "--provider", "tm", "--over-budget", "hello", env=env)
    assert again.status == 0
    assert "Sent anyway (--over-budget)" in again.stderr
    assert len(model.requests) == 1


async def test_just_under_the_budget_sends_with_a_warning_and_unknown_prices_are_named(
    tmp_path: Path, model: ToolModelServer
) -> None:
    env = setup(tmp_path, model, budget={"daily_usd": 1.0, "monthly_usd": 100.0})
    spent(tmp_path, 0.9, None)
    run = await run_main("ask", "--provider", "tm", "hello", env=env)
    assert run.status == 0
    assert "90% of the daily budget is spent ($0.90 of $1.00)" in run.stderr
    assert "1 replies have no known price; the budget cannot count them" in run.stderr
    assert len(model.requests) == 1
