"""`tui-chat stats` and the spend cache: replies, tokens and cost from a saved history."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import cli_env, run_main
from tests.test_layers import imported_modules
from tui.cli.stats import compute, parse_since, row_json, since_start
from tui.domain import ChatMessage, Conversation, Role
from tui.spending import CACHE_VERSION, SpendLedger
from tui.store import ConversationStore, StoreError

TODAY = datetime(2026, 3, 10, tzinfo=UTC)
NOW = TODAY + timedelta(hours=15)


@dataclass(frozen=True)
class Reply:
    days_ago: int
    at: timedelta
    """Into that (UTC) day."""
    tokens: tuple[int, int, int]
    """Input, output, cached input."""
    cost: float | None
    alternative: Reply | None = None


def message(today: datetime, reply: Reply, provider: str | None, model: str | None) -> ChatMessage:
    when = today - timedelta(days=reply.days_ago) + reply.at
    made = ChatMessage(Role.ASSISTANT, "an answer", created_at=when, provider=provider, model=model)
    made.input_tokens, made.output_tokens, made.cached_input_tokens = reply.tokens
    made.cost_usd = reply.cost
    if reply.alternative is not None:
        made.alternatives.append(message(today, reply.alternative, provider, model))
    return made


def history(data: Path, today: datetime = TODAY) -> ConversationStore:
    """Three conversations, two providers, three models, over 31 days (one reply with a
    second version; two with no known price; one that never reached the provider)."""
    store = ConversationStore(data)
    noon = timedelta(hours=12)
    plans: list[tuple[str, str, str, bool, list[Reply]]] = [
        (
            "alpha",
            "openai",
            "gpt-a",
            True,
            [
                Reply(
                    0,
                    timedelta(hours=10),
                    (100, 50, 20),
                    0.01,
                    Reply(0, timedelta(hours=9), (100, 40, 0), 0.008),
                ),
                Reply(2, noon, (200, 100, 0), None),
            ],
        ),
        (
            "beta",
            "anthropic",
            "claude-b",
            True,
            [
                Reply(6, timedelta(0), (300, 150, 100), 0.03),  # the first moment of 7d
                Reply(
                    7, timedelta(hours=24, microseconds=-1), (400, 200, 0), 0.04
                ),  # the last before
            ],
        ),
        (
            "gamma",
            "openai",
            "gpt-c",
            False,  # the messages name no provider: the conversation's counts
            [Reply(29, noon, (10, 5, 0), 0.001), Reply(30, noon, (1000, 1000, 0), None)],
        ),
    ]
    for name, provider, model, named, replies in plans:
        conv = Conversation.start(provider, model)
        for reply in replies:
            conv.add(ChatMessage(Role.USER, "a question"))
            conv.add(message(today, reply, provider if named else None, model if named else None))
        conv.id, conv.title = f"20260101-{name}", name.capitalize()
        if name == "beta":
            conv.add(ChatMessage(Role.ASSISTANT, "", provider=provider, model=model))  # no usage
        store.save(conv)
    return store


def figures(
    replies: int, unpriced: int, tokens: tuple[int, int, int], cost: float
) -> dict[str, Any]:
    return {
        "replies": replies,
        "unpriced_replies": unpriced,
        "input_tokens": tokens[0],
        "output_tokens": tokens[1],
        "cached_input_tokens": tokens[2],
        "cost_usd": cost,
    }


ALL = figures(7, 2, (2110, 1545, 120), 0.089)
LAST_30 = figures(6, 1, (1110, 545, 120), 0.089)
LAST_7 = figures(4, 1, (700, 340, 120), 0.048)


def test_since_counts_today_in_utc() -> None:
    late = datetime(2026, 3, 10, 23, 30, tzinfo=UTC).astimezone(datetime.now().astimezone().tzinfo)
    assert since_start(7, late) == datetime(2026, 3, 4, tzinfo=UTC)
    assert since_start(1, NOW) == TODAY
    assert since_start(None, NOW) is None
    assert [parse_since(t) for t in ("7d", "30d", "365d", "all")] == [7, 30, 365, None]
    for wrong in ("7", "0d", "-1d", "7days", "d", ""):
        with pytest.raises(ValueError, match="not a number of days"):
            parse_since(wrong)


def test_the_windows_include_their_first_moment_and_nothing_before(tmp_path: Path) -> None:
    replies = SpendLedger(history(tmp_path)).replies()
    for days, expected in ((7, LAST_7), (30, LAST_30), (None, ALL)):
        total, _ = compute(replies, days=days, by="day", now=NOW)
        assert row_json(total) == expected, days
    _, rows = compute(replies, days=7, by="day", now=NOW)
    assert [r.key for r in rows] == ["2026-03-10", "2026-03-08", "2026-03-04"]
    _, rows = compute(replies, days=8, by="day", now=NOW)
    assert rows[-1].key == "2026-03-03"
    assert rows[-1].cost_usd == pytest.approx(0.04)


async def stats(home: Path, *args: str) -> dict[str, Any]:
    run = await run_main("stats", "--json", *args, env=cli_env(home))
    assert run.status == 0, run.stderr
    result: dict[str, Any] = json.loads(run.stdout)
    return result


def day(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).date().isoformat()


async def test_json_totals_and_rows_for_each_grouping(tmp_path: Path) -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    history(tmp_path / "tui-data", today)
    assert await stats(tmp_path) == await stats(tmp_path, "--since", "30d")  # the default
    assert (await stats(tmp_path, "--since", "all"))["total"] == ALL
    assert (await stats(tmp_path, "--since", "7d"))["total"] == LAST_7
    by_day = await stats(tmp_path, "--by", "day")
    assert by_day["total"] == LAST_30
    assert by_day["rows"] == [
        {"key": day(0), **figures(2, 0, (200, 90, 20), 0.018)},
        {"key": day(2), **figures(1, 1, (200, 100, 0), 0.0)},
        {"key": day(6), **figures(1, 0, (300, 150, 100), 0.03)},
        {"key": day(7), **figures(1, 0, (400, 200, 0), 0.04)},
        {"key": day(29), **figures(1, 0, (10, 5, 0), 0.001)},
    ]
    by_provider = await stats(tmp_path, "--by", "provider")
    assert by_provider["rows"] == [
        {"key": "anthropic", **figures(2, 0, (700, 350, 100), 0.07)},
        {"key": "openai", **figures(4, 1, (410, 195, 20), 0.019)},
    ]
    by_model = await stats(tmp_path, "--by", "model", "--since", "all")
    assert [(r["key"], r["replies"], r["cost_usd"]) for r in by_model["rows"]] == [
        ("anthropic/claude-b", 2, 0.07),
        ("openai/gpt-a", 3, 0.018),
        ("openai/gpt-c", 2, 0.001),
    ]
    by_conversation = await stats(tmp_path, "--by", "conversation", "--since", "all")
    assert [r["key"] for r in by_conversation["rows"]] == [
        "20260101-beta Beta",
        "20260101-alpha Alpha",
        "20260101-gamma Gamma",
    ]
    assert by_conversation["total"] == ALL


async def test_the_table_has_a_total_and_says_what_has_no_price(tmp_path: Path) -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    history(tmp_path / "tui-data", today)
    run = await run_main("stats", "--by", "model", "--since", "all", env=cli_env(tmp_path))
    assert run.status == 0
    assert run.stdout == (
        "model               replies  input  output  cached     cost\n"
        "------------------  -------  -----  ------  ------  -------\n"
        "anthropic/claude-b        2    700     350     100  $0.0700\n"
        "openai/gpt-a              3    400     190      20  $0.0180\n"
        "openai/gpt-c              2  1,010   1,005       0  $0.0010\n"
        "------------------  -------  -----  ------  ------  -------\n"
        "total                     7  2,110   1,545     120  $0.0890\n"
        "2 replies have no known price and are not in the cost.\n"
    )
    run = await run_main("stats", "--since", "1d", env=cli_env(tmp_path))
    assert run.stdout == (
        "day         replies  input  output  cached     cost\n"
        "----------  -------  -----  ------  ------  -------\n"
        f"{day(0)}        2    200      90      20  $0.0180\n"
        "----------  -------  -----  ------  ------  -------\n"
        "total             2    200      90      20  $0.0180\n"
    )


async def test_a_bad_since_is_a_usage_error_in_one_sentence(tmp_path: Path) -> None:
    run = await run_main("stats", "--since", "week", env=cli_env(tmp_path))
    assert run.status == 2
    assert run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        "tui-chat stats: --since takes a number of days such as 7d or 30d, or all, not 'week'."
    ]


async def test_an_empty_history_is_a_zero_total(tmp_path: Path) -> None:
    assert await stats(tmp_path) == {"total": figures(0, 0, (0, 0, 0), 0.0), "rows": []}


def test_stats_needs_neither_textual_nor_an_sdk() -> None:
    loaded = {m.split(".")[0] for m in imported_modules("tui.__main__", "tui.cli.stats")}
    assert "tui" in loaded
    assert not loaded & {"textual", "rich", "openai", "anthropic", "httpx"}


def no_loads(monkeypatch: pytest.MonkeyPatch, store: ConversationStore) -> list[str]:
    """Record every conversation the store parses from now on."""
    loaded: list[str] = []
    real = store.load

    def load(conversation_id: str) -> Conversation:
        loaded.append(conversation_id)
        return real(conversation_id)

    monkeypatch.setattr(store, "load", load)
    return loaded


def test_the_cache_is_read_instead_of_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = history(tmp_path)
    first = SpendLedger(store).replies()
    cache = json.loads((tmp_path / "cache" / "spend.json").read_text(encoding="utf-8"))
    assert cache["version"] == CACHE_VERSION
    assert sorted(cache["conversations"]) == ["20260101-alpha", "20260101-beta", "20260101-gamma"]
    loaded = no_loads(monkeypatch, store)
    again = SpendLedger(store).replies()
    assert loaded == []
    assert sorted(again) == sorted(first)
    assert len(again) == 7


def test_a_changed_file_is_read_again_and_a_deleted_one_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = history(tmp_path)
    SpendLedger(store).replies()
    alpha = store.load("20260101-alpha")
    alpha.messages[-1].cost_usd = 0.5
    path = store.save(alpha)
    stamp = path.stat().st_mtime + 10
    os.utime(path, (stamp, stamp))  # a later mtime, whatever the clock's resolution
    store.trash("20260101-gamma")
    loaded = no_loads(monkeypatch, store)
    ledger = SpendLedger(store)
    replies = ledger.replies()
    assert loaded == ["20260101-alpha"]
    assert {r.conversation_id for r in replies} == {"20260101-alpha", "20260101-beta"}
    assert 0.5 in [r.cost_usd for r in replies]
    cache = json.loads(ledger.path.read_text(encoding="utf-8"))
    assert sorted(cache["conversations"]) == ["20260101-alpha", "20260101-beta"]


@pytest.mark.parametrize("written", ["{not json", '{"version": 999, "conversations": {}}', "[]"])
def test_a_broken_or_other_cache_is_rebuilt(tmp_path: Path, written: str) -> None:
    store = history(tmp_path)
    cache = tmp_path / "cache" / "spend.json"
    cache.parent.mkdir(parents=True)
    cache.write_text(written, encoding="utf-8")
    total, _ = compute(SpendLedger(store).replies(), days=None, by="day", now=NOW)
    assert total.replies == 7
    assert json.loads(cache.read_text(encoding="utf-8"))["version"] == CACHE_VERSION


def test_a_save_the_app_reports_is_taken_in_without_reading_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = history(tmp_path)
    ledger = SpendLedger(store)
    ledger.replies()
    beta = store.load("20260101-beta")
    beta.add(message(TODAY, Reply(0, timedelta(hours=1), (7, 7, 7), 0.25), "anthropic", "x"))
    snapshot = store.snapshot(beta)
    store.write(snapshot)
    ledger.note_saved(snapshot)

    def refuse(conversation_id: str) -> Conversation:
        raise StoreError(store.path_for(conversation_id), "must not be read")

    monkeypatch.setattr(store, "load", refuse)
    replies = ledger.replies()
    assert [r.model for r in replies if r.cost_usd == 0.25] == ["x"]
    assert len(replies) == 8
