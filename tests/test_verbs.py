"""`tui-chat ls`, `show`, `rm` on a generated history, and `ask -c`/`--conversation`
against the replay server: each command's `main` in this process with its own env."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from tests.cli_runner import cli_env, run_main
from tests.helpers import saved
from tests.replay_server import ReplayServer, load_cases
from tui.domain import ChatMessage, Conversation, Role
from tui.export import conversation_markdown
from tui.store import ConversationStore
from tui.store.header_cache import HeaderCache

CASES = load_cases()
REPLY = "openai_include_usage"


def history(home: Path) -> tuple[ConversationStore, list[Conversation]]:
    """Three conversations, the first the oldest; the second's replies have costs."""
    store = ConversationStore(home / "tui-data")
    convs = []
    for number, (title, costs) in enumerate(
        [("Trip to Paris", [None]), ("Rust lifetimes", [0.25, 0.5]), ("Empty-ish", [])]
    ):
        conv = Conversation.start("offline", "offline-guide")
        conv.add(ChatMessage(Role.USER, f"question {number}"))
        for cost in costs:
            conv.add(ChatMessage(Role.ASSISTANT, "answer", cost_usd=cost))
        conv.title = title
        conv.updated_at = datetime(2026, 1, 10 + number, 12, 30, tzinfo=UTC)
        path = store.save(conv)
        stamp = 1_700_000_000 + number * 100
        os.utime(path, (stamp, stamp))
        convs.append(conv)
    return store, convs


async def test_ls_lists_newest_first_with_counts_and_costs(tmp_path: Path) -> None:
    _, (trip, rust, empty) = history(tmp_path)
    run = await run_main("ls", env=cli_env(tmp_path))
    assert run.status == 0, run.stderr
    assert run.stdout.splitlines() == [
        f"{empty.id}\t2026-01-12 12:30\toffline/offline-guide\t1\t?\tEmpty-ish",
        f"{rust.id}\t2026-01-11 12:30\toffline/offline-guide\t3\t$0.75\tRust lifetimes",
        f"{trip.id}\t2026-01-10 12:30\toffline/offline-guide\t2\t?\tTrip to Paris",
    ]
    cache = HeaderCache(tmp_path / "tui-data").load()
    assert set(cache.headers) == {trip.id, rust.id, empty.id}  # the app's cache, filled


async def test_ls_json_and_limit(tmp_path: Path) -> None:
    _, (_, rust, empty) = history(tmp_path)
    run = await run_main("ls", "--json", "--limit", "2", env=cli_env(tmp_path))
    assert run.status == 0, run.stderr
    rows = json.loads(run.stdout)
    assert [row["id"] for row in rows] == [empty.id, rust.id]
    assert rows[1] == {
        "id": rust.id,
        "title": "Rust lifetimes",
        "updated": "2026-01-11T12:30:00+00:00",
        "provider": "offline",
        "model": "offline-guide",
        "messages": 3,
        "cost_usd": 0.75,
    }


async def test_ls_uses_the_header_cache_while_files_are_unchanged(tmp_path: Path) -> None:
    store, (trip, _, _) = history(tmp_path)
    await run_main("ls", env=cli_env(tmp_path))
    cache = HeaderCache(store.data_dir).load()
    header = cache.headers[trip.id]
    cache.put(type(header)(trip.id, "From the cache", "p", "m", None, header.mtime))
    cache.save()
    run = await run_main("ls", "--json", env=cli_env(tmp_path))
    row = next(row for row in json.loads(run.stdout) if row["id"] == trip.id)
    assert (row["title"], row["provider"], row["updated"]) == ("From the cache", "p", None)


async def test_ls_takes_counts_from_the_head_and_never_reads_the_messages(
    tmp_path: Path,
) -> None:
    store, (_, rust, _) = history(tmp_path)
    path = store.path_for(rust.id)
    text = path.read_text(encoding="utf-8")
    head, cut, _ = text.partition("[[messages]]")
    assert "message_count = 3\n" in head
    assert "cost_usd = 0.75\n" in head
    path.write_text(head + cut + "\nrole = \n", encoding="utf-8")  # the body no longer parses
    run = await run_main("ls", "--json", env=cli_env(tmp_path))
    row = next(row for row in json.loads(run.stdout) if row["id"] == rust.id)
    assert (row["messages"], row["cost_usd"]) == (3, 0.75)


async def test_ls_counts_a_file_from_before_the_head_held_counts_once(tmp_path: Path) -> None:
    store, (trip, _, _) = history(tmp_path)
    path = store.path_for(trip.id)
    old = path.read_text(encoding="utf-8").replace("message_count = 2\n", "")
    path.write_text(old, encoding="utf-8")
    run = await run_main("ls", "--json", env=cli_env(tmp_path))
    row = next(row for row in json.loads(run.stdout) if row["id"] == trip.id)
    assert row["messages"] == 2  # read from the whole file...
    assert HeaderCache(store.data_dir).load().headers[trip.id].messages == 2  # ...and kept


async def test_ls_with_no_conversations_prints_nothing(tmp_path: Path) -> None:
    run = await run_main("ls", env=cli_env(tmp_path))
    assert (run.status, run.stdout) == (0, "")


async def test_show_prints_the_export_markdown_or_json(tmp_path: Path) -> None:
    store, (_, rust, _) = history(tmp_path)
    run = await run_main("show", rust.id, env=cli_env(tmp_path))
    assert run.status == 0, run.stderr
    assert run.stdout == conversation_markdown(store.load(rust.id))
    assert run.stdout.startswith("# Rust lifetimes\n")
    markdown = await run_main("show", rust.id, "--markdown", env=cli_env(tmp_path))
    assert markdown.stdout == run.stdout
    as_json = await run_main("show", "--json", rust.id, env=cli_env(tmp_path))
    data = json.loads(as_json.stdout)
    assert data["conversation"]["id"] == rust.id
    assert data["conversation"]["title"] == "Rust lifetimes"
    assert data["conversation"]["updated"] == "2026-01-11T12:30:00+00:00"
    assert [m["content"] for m in data["messages"]] == ["question 1", "answer", "answer"]
    assert [m.get("cost_usd") for m in data["messages"]] == [None, 0.25, 0.5]


async def test_show_and_rm_of_an_unknown_id_fail_with_one_sentence(tmp_path: Path) -> None:
    history(tmp_path)
    for verb in ("show", "rm"):
        for wrong in ("nope", "../tui-data/conversations/x"):
            run = await run_main(verb, wrong, env=cli_env(tmp_path))
            assert (run.status, run.stdout) == (1, "")
            assert run.stderr == f"tui-chat {verb}: no conversation {wrong!r}.\n"


async def test_rm_moves_the_file_to_the_trash_as_the_app_does(tmp_path: Path) -> None:
    store, (_, rust, _) = history(tmp_path)
    before = store.path_for(rust.id).read_bytes()
    run = await run_main("rm", rust.id, env=cli_env(tmp_path))
    trashed = tmp_path / "tui-data" / "trash" / f"{rust.id}.toml"
    assert run.status == 0, run.stderr
    assert run.stdout == f"Moved to {trashed} (move it back to restore).\n"
    assert trashed.read_bytes() == before
    assert not store.path_for(rust.id).exists()
    listed = await run_main("ls", "--json", env=cli_env(tmp_path))
    assert rust.id not in {row["id"] for row in json.loads(listed.stdout)}
    again = await run_main("rm", rust.id, env=cli_env(tmp_path))
    assert again.status == 1


def provider_args(server: ReplayServer) -> list[str]:
    return ["--provider", "openai", "--base-url", server.url(REPLY, openai=True), "--model", "m"]


async def test_ask_c_continues_the_newest_conversation_with_its_history(
    replay: ReplayServer, tmp_path: Path
) -> None:
    env = cli_env(tmp_path)
    first = await run_main("ask", *provider_args(replay), "hi", env=env)
    assert first.status == 0, first.stderr
    run = await run_main("ask", *provider_args(replay), "-c", "and then?", env=env)
    assert run.status == 0, run.stderr
    text = CASES[REPLY].expected["text"]
    assert run.stdout == text + ("" if text.endswith("\n") else "\n")
    (conv,) = saved(tmp_path, "tui-data")  # appended, no new file
    contents = [(m["role"], m["content"]) for m in conv["messages"]]
    assert contents == [
        ("user", "hi"),
        ("assistant", text),
        ("user", "and then?"),
        ("assistant", text),
    ]
    sent = replay.requests[-1][2]["messages"]
    assert [(m["role"], m["content"]) for m in sent] == contents[:3]


async def test_ask_conversation_id_continues_that_one_and_no_save_writes_nothing(
    replay: ReplayServer, tmp_path: Path
) -> None:
    store, (trip, rust, empty) = history(tmp_path)
    env = cli_env(tmp_path)
    files = {c.id: store.path_for(c.id).read_bytes() for c in (trip, rust, empty)}
    run = await run_main("ask", *provider_args(replay), "--no-save", "-c", "more", env=env)
    assert run.status == 0, run.stderr
    assert {c: store.path_for(c).read_bytes() for c in files} == files
    sent = replay.requests[-1][2]["messages"]
    assert [m["content"] for m in sent] == ["question 2", "more"]
    run = await run_main("ask", *provider_args(replay), "--conversation", trip.id, "go", env=env)
    assert run.status == 0, run.stderr
    after = store.load(trip.id)
    assert [m.content for m in after.messages][:3] == ["question 0", "answer", "go"]
    assert len(after.messages) == 4
    assert store.path_for(rust.id).read_bytes() == files[rust.id]
    assert len(list((tmp_path / "tui-data" / "conversations").glob("*.toml"))) == 3


async def test_ask_continuing_an_unknown_or_missing_conversation_is_a_usage_error(
    replay: ReplayServer, tmp_path: Path
) -> None:
    env = cli_env(tmp_path)
    run = await run_main("ask", *provider_args(replay), "-c", "hi", env=env)
    assert (run.status, run.stderr) == (
        2,
        "tui-chat ask: there is no saved conversation to continue.\n",
    )
    run = await run_main("ask", *provider_args(replay), "--conversation", "nope", "hi", env=env)
    assert (run.status, run.stderr) == (2, "tui-chat ask: no conversation 'nope'.\n")
    assert replay.requests == []


async def test_rm_and_ask_c_leave_a_data_dir_another_app_writes_alone(
    tmp_path: Path, replay: ReplayServer
) -> None:
    from tui.store.lock import DataDirLock

    store, (_, rust, _) = history(tmp_path)
    app = DataDirLock(tmp_path / "tui-data")  # another tui-chat holds the data dir
    assert app.acquire()
    try:
        run = await run_main("rm", rust.id, env=cli_env(tmp_path))
        assert run.status == 1
        assert "another tui-chat is using" in run.stderr
        assert store.path_for(rust.id).exists()
        asked = await run_main(
            "ask", "-c", *provider_args(replay), "and then?", env=cli_env(tmp_path)
        )
        assert asked.status == 2
        assert "close it first, or ask without -c" in asked.stderr
        assert replay.requests == []
    finally:
        app.release()


def test_the_apps_help_names_every_command() -> None:
    from tui.cli.app import build_parser

    shown = build_parser().format_help()
    for command in ("ask", "serve", "search", "stats", "ls", "show", "rm"):
        assert f" {command} " in shown.replace(",", " ").replace("\n", " ")
