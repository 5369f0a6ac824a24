"""`tui-chat search TEXT`: find conversations from scripts."""

from __future__ import annotations

import argparse
import json
import sys

from tui.cli.options import add_common_options, resolve
from tui.inert import make_inert
from tui.search import SearchIndex
from tui.store import ConversationStore

EXIT_NO_MATCH = 1


def build_parser() -> argparse.ArgumentParser:
    """The `tui-chat search` argument parser."""
    parser = argparse.ArgumentParser(
        prog="tui-chat search",
        description="Find conversations whose title, system prompt or messages contain "
        "TEXT (any case). One line per conversation, newest first: id, date, title and "
        "the matching line, separated by tabs. Exit status 1 when nothing matches.",
    )
    parser.add_argument("text", nargs="+", help="the words to find (joined by spaces)")
    parser.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    add_common_options(parser)
    return parser


def main(argv: list[str]) -> int:
    """Run `tui-chat search` with `argv` (the words after `search`)."""
    args = build_parser().parse_args(argv)
    config, _ = resolve(args)
    index = SearchIndex(ConversationStore(config.data_dir))
    index.refresh()
    hits = index.search(" ".join(args.text), limit=max(1, args.limit))
    shown = make_inert if sys.stdout.isatty() else str
    for hit in hits:
        date = f"{hit.updated:%Y-%m-%d}" if hit.updated else ""
        if args.json:
            row = {
                "id": hit.conversation_id,
                "title": hit.title,
                "updated": hit.updated.isoformat() if hit.updated else None,
                "where": hit.where,
                "context": hit.context,
            }
            print(json.dumps(row, ensure_ascii=False))
        else:
            title = " ".join(hit.title.split())
            context = " ".join(hit.context.split())
            print(shown(f"{hit.conversation_id}\t{date}\t{title}\t{hit.where}: {context}"))
    return 0 if hits else EXIT_NO_MATCH
