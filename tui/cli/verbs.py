"""`tui-chat ls`, `show ID` and `rm ID`: the saved conversations from scripts.

`ls` takes its rows from the header cache the app keeps (`<data dir>/cache/headers.json`:
only changed files are read, and only their `[conversation]` table, which holds the
message count and cost). A file written before the table held them is parsed once, and
its counts kept in the cache.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import datetime
from typing import Any

from tui.cli.options import add_config_options, load
from tui.domain import Conversation
from tui.export import conversation_markdown
from tui.inert import make_inert
from tui.prices import cost_words
from tui.store import ConversationStore, Header, StoreError
from tui.store.header_cache import HeaderCache
from tui.store.lock import DataDirLock
from tui.store.schema import conversation_to_dict, known_cost

EXIT_NOT_FOUND = 1


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"tui-chat {prog}", description=description)
    add_config_options(parser)
    return parser


def _store(args: argparse.Namespace) -> ConversationStore:
    return ConversationStore(load(args).data_dir)


def _shown(text: str) -> str:
    """Text for stdout: made inert on a terminal, untouched in a pipe."""
    return make_inert(text) if sys.stdout.isatty() else text


def headers(store: ConversationStore, cache: HeaderCache) -> list[Header]:
    """Every conversation's header, most recently changed first, from `cache` (files
    changed since it was written are read and the cache brought up to date)."""
    found = []
    summaries = store.list_summaries()
    for summary in summaries:
        header = cache.get(summary.id, summary.mtime)
        if header is None:
            try:
                header = store.read_header(summary)
            except StoreError:
                title = f"⚠ unreadable: {summary.path.name}"
                header = Header(summary.id, title, "cannot read", "", None, summary.mtime)
            else:
                cache.put(header)
        found.append(header)
    cache.keep_only({summary.id for summary in summaries})
    return found


def counted(store: ConversationStore, header: Header) -> Header:
    """`header` with its message count and cost, read from the whole file when its head
    predates them (unchanged when the file cannot be read)."""
    if header.messages is not None:
        return header
    try:
        conv = store.load(header.id)
    except StoreError:
        return header
    return replace(header, messages=len(conv.messages), cost_usd=known_cost(conv))


def ls_row(header: Header) -> dict[str, Any]:
    """One `ls` row; `messages` and `cost_usd` are None for a file that cannot be read."""
    return {
        "id": header.id,
        "title": header.title,
        "updated": header.updated.isoformat() if header.updated else None,
        "provider": header.provider,
        "model": header.model,
        "messages": header.messages,
        "cost_usd": header.cost_usd,
    }


def ls_main(argv: list[str]) -> int:
    """Run `tui-chat ls`."""
    parser = _parser(
        "ls",
        "List the saved conversations, newest first: id, last update (UTC), "
        "provider/model, messages, cost (? when no reply's cost is known) and title, "
        "separated by tabs.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON list of objects")
    parser.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    args = parser.parse_args(argv)
    store = _store(args)
    cache = HeaderCache(store.data_dir).load()
    rows = []
    for header in headers(store, cache)[: max(1, args.limit)]:
        if (full := counted(store, header)) is not header and full.messages is not None:
            cache.put(full)
        rows.append(ls_row(full))
    cache.save()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        updated = row["updated"]
        when = f"{datetime.fromisoformat(updated):%Y-%m-%d %H:%M}" if updated else "?"
        count = "?" if row["messages"] is None else str(row["messages"])
        cost = "?" if row["cost_usd"] is None else cost_words(row["cost_usd"])
        title = " ".join(row["title"].split())
        fields = [row["id"], when, f"{row['provider']}/{row['model']}", count, cost, title]
        print(_shown("\t".join(fields)))
    return 0


def exists(store: ConversationStore, conversation_id: str, command: str) -> bool:
    """Whether `conversation_id` names a saved conversation (if not, says so on stderr)."""
    bad = not conversation_id or any(c in conversation_id for c in "/\\")
    if bad or not store.path_for(conversation_id).is_file():
        print(f"tui-chat {command}: no conversation {conversation_id!r}.", file=sys.stderr)
        return False
    return True


def find(store: ConversationStore, conversation_id: str, command: str) -> Conversation | None:
    """The saved conversation `conversation_id`, or None after saying why on stderr."""
    if not exists(store, conversation_id, command):
        return None
    try:
        return store.load(conversation_id)
    except StoreError as exc:
        print(f"tui-chat {command}: {exc}.", file=sys.stderr)
        return None


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def show_main(argv: list[str]) -> int:
    """Run `tui-chat show ID`."""
    parser = _parser("show", "Print a whole conversation (Markdown, as the export writes it).")
    parser.add_argument("id", help="the conversation's id (as `tui-chat ls` prints it)")
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--markdown", action="store_true", help="as Markdown (the default)")
    shape.add_argument("--json", action="store_true", help="as one JSON object")
    args = parser.parse_args(argv)
    conv = find(_store(args), args.id, "show")
    if conv is None:
        return EXIT_NOT_FOUND
    if args.json:
        data = conversation_to_dict(conv)
        print(json.dumps(data, ensure_ascii=False, indent=2, default=_json_value))
    else:
        sys.stdout.write(_shown(conversation_markdown(conv)))
    return 0


def rm_main(argv: list[str]) -> int:
    """Run `tui-chat rm ID`."""
    parser = _parser("rm", "Move a conversation's file to the trash folder, as the app does.")
    parser.add_argument("id", help="the conversation's id (as `tui-chat ls` prints it)")
    args = parser.parse_args(argv)
    store = _store(args)
    if not exists(store, args.id, "rm"):
        return EXIT_NOT_FOUND
    lock = DataDirLock(store.data_dir)
    if not lock.acquire():
        print(
            f"tui-chat rm: another tui-chat is using {lock.path.parent}: close it first "
            "(or delete the conversation in its list, d).",
            file=sys.stderr,
        )
        return EXIT_NOT_FOUND
    try:
        where = store.trash(args.id)
    except StoreError as exc:
        print(f"tui-chat rm: {exc}.", file=sys.stderr)
        return EXIT_NOT_FOUND
    finally:
        lock.release()
    print(f"Moved to {where} (move it back to restore).")
    return 0
