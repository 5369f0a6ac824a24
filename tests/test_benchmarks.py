"""The benchmark runner works on a tiny case (it is not run as part of the suite)."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from benchmarks.__main__ import Bench
from benchmarks.history import BIG_ID, build
from benchmarks.peers import PeerResult
from benchmarks.server import BenchServer, metadata, reply_tokens
from tui.state import AppState


def test_reply_is_deterministic_markdown_with_markers() -> None:
    tokens = reply_tokens(2000)
    assert len(tokens) == 2000
    assert tokens[0] == "ZZSTART"
    assert tokens[-1] == "ZZEND"
    assert tokens == reply_tokens(2000)
    assert "```python\n" in tokens


def test_runner_measures_ask_and_a_short_stream() -> None:
    bench = Bench(runs=1, quick=True)
    try:
        assert 0 < bench.ask() < 30
        if shutil.which("tmux") is None:
            pytest.skip("tmux is not installed: the on-screen figures need it")
        startup, _, _, whole, cpu = bench.stream(50)
        assert 0 < startup < 30
        assert whole > 0
        assert cpu > 0
    finally:
        bench.close()


def test_server_answers_the_ollama_calls_oterm_makes() -> None:
    tags = metadata("GET", "/api/tags", {})
    assert isinstance(tags, dict)
    assert [m["name"] for m in tags["models"]] == ["bench-len2000:latest"]
    shown = metadata("POST", "/api/show", {"model": "bench-len2000:latest"})
    assert isinstance(shown, dict)
    assert "completion" in shown["capabilities"]
    assert metadata("GET", "/", {}) == b"Ollama is running"
    listed = metadata("GET", "/v1/models", {})
    assert isinstance(listed, dict)
    assert listed["data"][0]["id"] == "bench-len2000"


def test_peer_table_gives_each_peer_its_ratio_to_tui_chat() -> None:
    bench = Bench(runs=1, quick=True, peers=True)
    try:
        bench.same_run["tui-chat"] = [PeerResult(0.5, 0.05, 0.5, 0.5, 80)]
        bench.same_run["elia"] = [PeerResult(1.0, 0.1, 25.0, 20.0, 320)]
        bench.versions["elia"] = "1.10.0"
        table = bench.peer_table()
    finally:
        bench.close()
    assert "| figure | tui-chat | elia 1.10.0 |" in table
    assert "| CPU during the stream | 0.5 s | 20 s (40.0x) |" in table


async def _chat(port: int, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """POST a streamed chat request to the bench server; the SSE chunks it answered."""
    body = json.dumps({"model": "bench-tools3-len50", "stream": True, "messages": messages})
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: bench\r\n"
        b"content-length: %d\r\n\r\n%s" % (len(body), body.encode())
    )
    await reader.readuntil(b"\r\n\r\n")
    data = b""
    while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
        data += (await reader.readexactly(size + 2))[:-2]
    await reader.readexactly(2)
    writer.close()
    await writer.wait_closed()
    lines = [line.removeprefix(b"data: ") for line in data.split(b"\n\n") if line]
    return [json.loads(line) for line in lines if line != b"[DONE]"]


async def test_server_calls_the_tool_three_times_then_replies(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    server = await asyncio.start_server(BenchServer(events).handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    question = {"role": "user", "content": "call the tool"}
    async with server:
        first = await _chat(port, [question])
        results = [{"role": "tool", "tool_call_id": f"c{n}", "content": "done"} for n in range(3)]
        last = await _chat(port, [question, *results])
    (call,) = first[0]["choices"][0]["delta"]["tool_calls"]
    assert call["index"] == 0
    assert call["id"]
    assert call["type"] == "function"
    assert call["function"]["name"] == "bench_echo"
    assert json.loads(call["function"]["arguments"]) == {"text": "ztool1"}
    assert first[1]["choices"][0]["finish_reason"] == "tool_calls"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in last if c["choices"])
    assert text.startswith("ZZSTART")
    assert text.endswith("ZZEND")
    assert all("tool_calls" not in c["choices"][0]["delta"] for c in last if c["choices"])
    # One loop: the server logs a reply before it next yields, so before we read it.
    logged = [json.loads(line) for line in events.read_text().splitlines()]
    assert logged[0]["round"] == 1
    assert logged[0]["tool_call"] > 0
    assert logged[1]["tokens"] == 50


def test_a_cached_history_opens_the_big_conversation_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A history folder opened by hand (a new conversation, its state saved on quitting)
    is built again or put back: the 10,000-conversation start waits for the big one."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = build(3, 1, big=4)
    AppState(last_conversation="20261204-000000-byhand").save(folder)
    assert build(3, 1, big=4) == folder
    assert AppState.load(folder).last_conversation == BIG_ID
    (folder / "conversations" / "20261204-000000-byhand.toml").write_text("")
    build(3, 1, big=4)
    assert sorted(p.name for p in (folder / "conversations").iterdir())[-1] == f"{BIG_ID}.toml"
    assert len(list((folder / "conversations").iterdir())) == 4
