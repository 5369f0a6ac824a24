"""The benchmark runner works on a tiny case (it is not run as part of the suite)."""

from __future__ import annotations

import shutil

import pytest

from benchmarks.__main__ import Bench
from benchmarks.server import reply_tokens


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
