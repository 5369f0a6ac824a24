"""Costs in the app: each reply's price on its finish line, the conversation's total and
the budget in the status line, refusing a message once the budget is used up (and
sending it anyway), and the Stats screen over a generated history.

The priced provider replays `openai_include_usage` (24 input, 8 output tokens) with a
config price of $1000 / $5000 per million: 24 * 1000 + 8 * 5000 = 64,000 millionths,
$0.064 a reply."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from tests.helpers import notices, saved, send, settle, type_text, views
from tests.replay_server import ReplayServer
from tests.spend_history import HISTORY, NOW, write_history
from tests.ui_harness import make_app
from tui.domain import ChatMessage, MessageStatus, Role, utc_now
from tui.engine import Progress
from tui.spending import BudgetLine, BudgetState
from tui.ui.app import ChatApp
from tui.ui.finish_words import conversation_cost_words, reply_cost_words
from tui.ui.progress_words import column_words
from tui.ui.screens.cost_actions import budget_words
from tui.ui.screens.dialogs import ChoiceDialog
from tui.ui.screens.main import MainScreen
from tui.ui.screens.stats_screen import StatsScreen, usage_table
from tui.ui.widgets.day_bars import DayBars, bar_cells
from tui.ui.widgets.prompt_input import PromptInput
from tui.ui.widgets.status_bar import StatusBar

CASE = "openai_include_usage"
PRICES = ["prices = { input = 1000.0, output = 5000.0 }"]
REPLY_COST = 0.064


def priced_app(home: Path, replay: ReplayServer, budget: float | None = None) -> ChatApp:
    top = ["[budget]", f"daily_usd = {budget}"] if budget is not None else None
    return make_app(
        home, replay, "priced", cases={"priced": CASE}, settings={"priced": PRICES}, top=top
    )


def finish_text(app: ChatApp) -> str:
    return views(app)[-1].finish_text


def chat_requests(replay: ReplayServer) -> list[str]:
    return [path for _, path, _ in replay.requests if path.endswith("/chat/completions")]


async def spend_read(app: ChatApp, pilot: Any) -> None:
    """Wait for the budget's read of the saved replies (a thread worker that hands its
    result to the screen before it ends)."""
    await settle(app, pilot)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_priced_reply_shows_its_cost_and_the_conversation_its_total(
    replay: ReplayServer, tmp_path: Path
) -> None:
    app = priced_app(tmp_path, replay)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "hi")
        assert finish_text(app) == "✓ stop · 24 in / 8 out tokens · $0.064 · priced fixture-model"
        status = app.screen.query_one(StatusBar)
        assert status.counters == "conversation: 32 tokens · $0.064"
        await send(app, pilot, "again")
        assert status.counters == "conversation: 64 tokens · $0.128"
        assert status.budget == ("", "")  # no [budget]: nothing about it
    (conv,) = saved(tmp_path)
    costs = [m.get("cost_usd") for m in conv["messages"] if m["role"] == "assistant"]
    assert costs == [pytest.approx(REPLY_COST), pytest.approx(REPLY_COST)]


async def test_a_reply_with_no_known_price_says_so(replay: ReplayServer, tmp_path: Path) -> None:
    app = make_app(tmp_path, replay, CASE)  # a local address, no prices: unknown
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "hi")
        assert " · cost unknown · " in finish_text(app)
        assert app.screen.query_one(StatusBar).counters == "conversation: 32 tokens · cost unknown"
    (conv,) = saved(tmp_path)
    assert "cost_usd" not in conv["messages"][-1]  # stored as absent, never 0


async def test_the_offline_provider_is_free_and_shows_no_cost(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "hello")
        assert "$" not in finish_text(app)
        assert "cost" not in finish_text(app)
        assert "$" not in app.screen.query_one(StatusBar).counters
    (conv,) = saved(tmp_path)
    assert conv["messages"][-1]["cost_usd"] == 0.0


async def test_the_status_line_warns_from_80_percent_of_the_budget(
    replay: ReplayServer, tmp_path: Path
) -> None:
    app = priced_app(tmp_path, replay, budget=0.075)  # one reply: 85 %
    async with app.run_test(size=(120, 36)) as pilot:
        await spend_read(app, pilot)
        status = app.screen.query_one(StatusBar)
        assert status.budget == ("today $0.00 of $0.075", "")
        await send(app, pilot, "hi")
        await spend_read(app, pilot)
        assert status.budget == ("⚠ 85 % of today's budget", "-warning")
        assert status.query_one("#budget").has_class("-warning")
        assert "85 % of the daily budget is spent: $0.064 of $0.075 today." in notices(app)


async def test_a_used_up_budget_refuses_before_any_request_and_may_send_anyway(
    replay: ReplayServer, tmp_path: Path
) -> None:
    now = utc_now()
    history = [(0, "priced", "fixture-model", 100, 10, 0, 1.0)]
    history.append((0, "elsewhere", "local", 10, 10, 0, None))  # unpriced: not counted
    write_history(tmp_path / "data", now, history)
    app = priced_app(tmp_path, replay, budget=1.0)
    async with app.run_test(size=(120, 36)) as pilot:
        await spend_read(app, pilot)
        assert app.screen.query_one(StatusBar).budget == (
            "✗ today's budget used up: $1.00 of $1.00 · 1 unpriced",
            "-over",
        )
        await type_text(pilot, "one more")
        await pilot.press("enter")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        words = dialog.text
        assert words.startswith("The daily budget of $1.00 is used up: $1.00 spent today.")
        assert "1 reply has no known price; the budget cannot count them." in words
        assert chat_requests(replay) == []
        await pilot.press("escape")  # Cancel: nothing sent, the text stays
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one(PromptInput).text == "one more"
        assert chat_requests(replay) == []
        assert len(views(app)) == 0
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")  # "Send anyway", focused first
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        assert len(chat_requests(replay)) == 1
        user, _reply = views(app)
        assert user.message.content == "one more"
        assert "$0.064" in finish_text(app)


def stats_app(home: Path) -> ChatApp:
    write_history(home / "data", NOW, HISTORY)
    app = make_app(home)
    return app


async def open_stats(app: ChatApp, pilot: Any) -> StatsScreen:
    """Press F10 with the clock at NOW; the screen once its figures are shown."""
    await settle(app, pilot)
    app.main_screen.costs.clock = lambda: NOW
    await pilot.press("f10")
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, StatsScreen)
    return screen


async def test_the_stats_screen_sums_the_saved_replies(tmp_path: Path) -> None:
    app = stats_app(tmp_path)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_stats(app, pilot)
        assert screen.stats is not None
        totals = dict(screen.stats.totals)
        week, month, every = totals["7 days"], totals["30 days"], totals["all"]
        assert (week.replies, week.unpriced_replies) == (4, 1)
        assert week.cost_usd == pytest.approx(0.80)
        assert (week.input_tokens, week.output_tokens, week.cached_input_tokens) == (
            4500,
            1500,
            1200,
        )
        assert (month.replies, every.replies) == (6, 7)
        assert (month.cost_usd, every.cost_usd) == (pytest.approx(1.45), pytest.approx(2.45))
        models = {row.key: row.cost_usd for row in screen.stats.models}
        assert models["openai/gpt-4o"] == pytest.approx(1.40)
        assert models["anthropic/claude-sonnet"] == pytest.approx(1.00)
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(usage_table("since", screen.stats.totals))
        rows = console.export_text().splitlines()
        assert rows[1].split() == [
            "7",
            "days",
            "4",
            "4,500",
            "1,500",
            "1,200",
            "$0.80",
            "+",
            "1",
            "unpriced",
        ]
        assert rows[3].split()[-4:] == ["$2.45", "+", "1", "unpriced"]
        spend = screen.query_one("#spend-chart", DayBars)
        assert (len(spend.values), spend.days[-1]) == (30, NOW.date())
        assert spend.values[-1] == pytest.approx(0.25)  # today
        assert spend.values[-21] == pytest.approx(0.60)  # 20 days ago
        assert "03-20" in str(spend.render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_a_chart_of_days_with_nothing_on_them_says_so(tmp_path: Path) -> None:
    app = make_app(tmp_path)  # no reply saved: no spend, no tokens
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_stats(app, pilot)
        spend = screen.query_one("#spend-chart", DayBars)
        assert str(spend.render()) == "No priced reply on these days."
        tokens = screen.query_one("#token-chart", DayBars)
        assert str(tokens.render()) == "No tokens used on these days."


# ----------------------------------------------------------------- the words, pure


def reply(cost: float | None, tokens: int | None = 10) -> ChatMessage:
    return ChatMessage(
        Role.ASSISTANT, "x", input_tokens=tokens, output_tokens=tokens, cost_usd=cost
    )


def test_reply_cost_words() -> None:
    assert reply_cost_words(reply(0.0012)) == "$0.0012"
    assert reply_cost_words(reply(None)) == "cost unknown"
    assert reply_cost_words(reply(0.0)) is None  # free: nothing to say
    assert reply_cost_words(reply(None, tokens=None)) is None  # never reached a model


def test_conversation_cost_words_count_unpriced_replies() -> None:
    streaming = reply(None)
    streaming.status = MessageStatus.STREAMING
    assert conversation_cost_words([reply(0.25), reply(0.5)]) == "$0.75"
    assert conversation_cost_words([reply(0.25), reply(None), reply(None)]) == "$0.25 + 2 unpriced"
    assert conversation_cost_words([reply(None)]) == "cost unknown"
    assert conversation_cost_words([reply(0.0), streaming]) == ""


def test_budget_words() -> None:
    assert budget_words(BudgetState()) == ("", "")
    under = BudgetLine("daily", 1.0, 0.42, 0)
    assert budget_words(BudgetState((under,))) == ("today $0.42 of $1.00", "")
    near = BudgetLine("monthly", 10.0, 8.5, 2)
    assert budget_words(BudgetState((under, near))) == (
        "⚠ 85 % of this month's budget · 2 unpriced",
        "-warning",
    )


def test_a_compare_column_shows_the_cost_once_the_reply_ended() -> None:
    done = Progress(2.0, 0.2, 8, True, 4.4, 0.0, None, "", True)
    assert column_words(done, "$0.064").endswith("2.0 s · $0.064")
    running = Progress(2.0, 0.2, 8, True, 4.4, 0.0, None, "", False)
    assert "$" not in column_words(running)


def test_bars_fill_in_eighths_and_a_small_value_still_shows() -> None:
    assert bar_cells(1.0, 1.0, 2) == ["█", "█"]
    assert bar_cells(0.5, 1.0, 2) == ["█", " "]
    assert bar_cells(0.25, 1.0, 2) == ["▄", " "]
    assert bar_cells(0.0001, 1.0, 2) == ["▁", " "]
    assert bar_cells(0.0, 1.0, 2) == [" ", " "]
