"""`tui-chat stats`: replies, tokens and cost from the saved conversations, summed by day,
provider, model or conversation."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast, get_args

from tui.cli.options import add_config_options, fail, load
from tui.inert import make_inert
from tui.spending import By, ReplySpend, SpendLedger, SpendRow, summarise
from tui.store import ConversationStore

DEFAULT_SINCE = "30d"
KEY_WIDTH = 60
"""A longer key (a conversation's id and title) is cut in the table, never in --json."""
_DAYS = re.compile(r"([1-9][0-9]{0,4})d")


def build_parser() -> argparse.ArgumentParser:
    """The `tui-chat stats` argument parser."""
    parser = argparse.ArgumentParser(
        prog="tui-chat stats",
        description="Replies, input/output/cached tokens and cost of the saved "
        "conversations (every version of a reply counts), summed by day, provider, model "
        "or conversation, with a total line.",
    )
    parser.add_argument(
        "--since",
        default=DEFAULT_SINCE,
        metavar="Nd|all",
        help=f"the last N days counting today, in UTC: 7d, 30d…; or all (default {DEFAULT_SINCE})",
    )
    parser.add_argument(
        "--by",
        choices=get_args(By),
        default="day",
        help="one row per day (newest first; the default), provider, model or "
        "conversation (highest cost first)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_config_options(parser)
    return parser


def parse_since(text: str) -> int | None:
    """The number of days `--since` asks for (None: `all`).

    Raises:
        ValueError: neither `Nd` nor `all`.
    """
    if text == "all":
        return None
    match = _DAYS.fullmatch(text)
    if match is None:
        raise ValueError(f"not a number of days: {text!r}")
    return int(match.group(1))


def since_start(days: int | None, now: datetime) -> datetime | None:
    """The start (UTC midnight) of the last `days` days counting `now`'s day."""
    if days is None:
        return None
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days - 1)


def compute(
    replies: Iterable[ReplySpend], *, days: int | None, by: By, now: datetime
) -> tuple[SpendRow, list[SpendRow]]:
    """(the total, the rows) of the replies of the last `days` days as of `now`."""
    return summarise(replies, since=since_start(days, now), by=by)


def row_json(row: SpendRow) -> dict[str, Any]:
    """A row's figures as `--json` prints them (the key apart)."""
    return {
        "replies": row.replies,
        "unpriced_replies": row.unpriced_replies,
        "input_tokens": row.input_tokens,
        "output_tokens": row.output_tokens,
        "cached_input_tokens": row.cached_input_tokens,
        "cost_usd": round(row.cost_usd, 6),
    }


def as_json(total: SpendRow, rows: list[SpendRow]) -> dict[str, Any]:
    """`{"total": {...}, "rows": [{"key", ...}]}`."""
    return {"total": row_json(total), "rows": [{"key": r.key, **row_json(r)} for r in rows]}


def table(total: SpendRow, rows: list[SpendRow], by: By) -> str:
    """The figures as aligned columns, a total line, and what is not in the cost."""
    header = [by, "replies", "input", "output", "cached", "cost"]
    lines = [header] + [_cells(r) for r in rows] + [_cells(total)]
    widths = [max(len(line[n]) for line in lines) for n in range(len(header))]
    rule = "  ".join("-" * width for width in widths)
    text = []
    for cells in lines:
        padded = [cells[0].ljust(widths[0])]
        padded += [cell.rjust(width) for cell, width in zip(cells, widths, strict=True)][1:]
        text.append("  ".join(padded))
    text.insert(1, rule)
    text.insert(len(text) - 1, rule)
    if total.unpriced_replies:
        count = total.unpriced_replies
        text.append(
            f"{count} replies have no known price and are not in the cost."
            if count > 1
            else "1 reply has no known price and is not in the cost."
        )
    return "\n".join(text)


def _cells(row: SpendRow) -> list[str]:
    key = " ".join(row.key.split())
    if len(key) > KEY_WIDTH:
        key = key[: KEY_WIDTH - 1] + "…"
    return [
        key,
        f"{row.replies:,}",
        f"{row.input_tokens:,}",
        f"{row.output_tokens:,}",
        f"{row.cached_input_tokens:,}",
        _dollars(row.cost_usd),
    ]


def _dollars(cost: float) -> str:
    return f"${cost:.4f}" if cost < 100 else f"${cost:,.2f}"


def main(argv: list[str]) -> int:
    """Run `tui-chat stats` with `argv` (the words after `stats`)."""
    args = build_parser().parse_args(argv)
    try:
        days = parse_since(args.since)
    except ValueError:
        fail(
            "tui-chat stats: --since takes a number of days such as 7d or 30d, or all, "
            f"not {args.since!r}."
        )
    config = load(args)
    replies = SpendLedger(ConversationStore(config.data_dir)).replies()
    total, rows = compute(replies, days=days, by=cast(By, args.by), now=datetime.now(UTC))
    if args.json:
        print(json.dumps(as_json(total, rows), ensure_ascii=False))
    else:
        shown = make_inert if sys.stdout.isatty() else str
        print(shown(table(total, rows, cast(By, args.by))))
    return 0
