"""The list's header cache: newest first, its first lines readable on their own."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.helpers import save_questions, settle
from tests.ui_harness import make_app
from tui.store import ConversationStore
from tui.store.header_cache import HeaderCache
from tui.store.store import Header

START = datetime(2026, 3, 1, tzinfo=UTC)


def header(index: int, updated: datetime | None) -> Header:
    return Header(f"id-{index}", f"Title {index}", "offline", "m", updated, 1.5, 2, None)


def cache_of(data_dir: Path, headers: list[Header]) -> HeaderCache:
    cache = HeaderCache(data_dir)
    for one in headers:
        cache.put(one)
    cache.save()
    return cache


def test_the_file_is_one_json_document_newest_first(tmp_path: Path) -> None:
    headers = [header(i, START + timedelta(hours=i)) for i in range(5)] + [header(9, None)]
    cache = cache_of(tmp_path, headers)
    document = json.loads(cache.path.read_text(encoding="utf-8"))
    assert [row[0] for row in document["headers"]] == [
        "id-4", "id-3", "id-2", "id-1", "id-0", "id-9"
    ]  # fmt: skip
    assert HeaderCache(tmp_path).load().headers == {h.id: h for h in headers}


def test_the_newest_come_from_the_first_lines_alone(tmp_path: Path) -> None:
    headers = [header(i, START + timedelta(minutes=i)) for i in range(100)]
    cache = cache_of(tmp_path, headers)
    lines = cache.path.read_text(encoding="utf-8").splitlines(keepends=True)
    cache.path.write_text("".join(lines[:11]) + "[not json at all\n", encoding="utf-8")
    newest = HeaderCache(tmp_path).newest(10)
    assert newest == [headers[99 - i] for i in range(10)]
    assert HeaderCache(tmp_path).load().headers == {}  # the whole document is broken
    assert HeaderCache(tmp_path).newest(11) == []  # ...and so is its eleventh row


def test_newest_of_a_short_missing_or_other_cache(tmp_path: Path) -> None:
    assert HeaderCache(tmp_path).newest(5) == []
    headers = [header(i, START + timedelta(minutes=i)) for i in range(3)]
    cache = cache_of(tmp_path, headers)
    assert HeaderCache(tmp_path).newest(60) == headers[::-1]
    cache.path.write_text(json.dumps({"version": 2, "headers": {}}), encoding="utf-8")
    assert HeaderCache(tmp_path).newest(60) == []
    cache_of(tmp_path / "empty", [header(0, None)])
    empty = HeaderCache(tmp_path / "empty").load()
    empty.keep_only(set())
    empty.save()
    assert HeaderCache(tmp_path / "empty").newest(60) == []
    assert HeaderCache(tmp_path / "empty").load().headers == {}


async def test_a_cache_broken_after_its_first_lines_lists_what_the_files_hold(
    tmp_path: Path,
) -> None:
    store = ConversationStore(tmp_path / "data")
    convs = save_questions(store, "first", "second", "third")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
    cache = HeaderCache(tmp_path / "data")
    assert len(cache.newest(60)) == 3
    # The cache's first lines name a file deleted since, and its end is cut off.
    text = cache.path.read_text(encoding="utf-8")
    cache.path.write_text(text[: text.rindex("]}")], encoding="utf-8")
    store.path_for(convs[0].id).unlink()
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        titles = sorted(e.title for e in app.main_screen.conversation_list.entries.values())
    assert titles == ["second", "third"]
    assert [h.title for h in HeaderCache(tmp_path / "data").newest(60)] == ["third", "second"]
