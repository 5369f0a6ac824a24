"""The benchmark runner works on a tiny case (it is not run as part of the suite)."""

from __future__ import annotations

import shutil

import pytest

from benchmarks.__main__ import Bench
from benchmarks.peers import PeerResult
from benchmarks.server import metadata, reply_tokens


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
