"""A reply's cached token counts and cost in the conversation file: written when known,
absent when not, and checked when read."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_store import sample
from tui.domain import Conversation
from tui.store import ConversationStore, StoreError
from tui.store.store import encode


def priced_reply() -> Conversation:
    conv = sample()
    reply = conv.messages[1]
    reply.input_tokens, reply.cached_input_tokens, reply.cache_write_tokens = 1200, 1024, 100
    reply.cost_usd = 0.000312
    return conv


def test_a_reply_keeps_its_cached_tokens_and_cost(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv = priced_reply()
    text = store.save(conv).read_text(encoding="utf-8")
    assert "cached_input_tokens = 1024\ncache_write_tokens = 100\ncost_usd = 0.000312\n" in text
    loaded = store.load(conv.id).messages[1]
    assert (loaded.cached_input_tokens, loaded.cache_write_tokens) == (1024, 100)
    assert loaded.cost_usd == 0.000312


def test_an_unpriced_reply_writes_no_cost_and_a_free_one_writes_zero(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv = sample()
    text = store.save(conv).read_text(encoding="utf-8")
    for key in ("cost_usd", "cached_input_tokens", "cache_write_tokens"):
        assert key not in text
    conv.messages[1].cost_usd = 0.0
    assert "cost_usd = 0.0\n" in store.save(conv).read_text(encoding="utf-8")
    assert store.load(conv.id).messages[1].cost_usd == 0.0


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('cost_usd = "0.01"', "cost_usd must be a int/float"),
        ("cost_usd = true", "cost_usd must be a int/float"),
        ("cached_input_tokens = 1.5", "cached_input_tokens must be a int"),
        ('cache_write_tokens = "9"', "cache_write_tokens must be a int"),
    ],
)
def test_a_cost_or_cached_count_of_the_wrong_type_is_refused(
    tmp_path: Path, line: str, words: str
) -> None:
    store = ConversationStore(tmp_path)
    store.folder.mkdir(parents=True)
    conv = sample()
    text = encode(conv).decode().replace("output_tokens = 3\n", f"output_tokens = 3\n{line}\n")
    assert line in text
    store.path_for(conv.id).write_text(text, encoding="utf-8")
    with pytest.raises(StoreError, match=words):
        store.load(conv.id)


def test_a_whole_number_cost_reads_as_dollars(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    store.folder.mkdir(parents=True)
    conv = sample()
    text = encode(conv).decode().replace("output_tokens = 3\n", "output_tokens = 3\ncost_usd = 2\n")
    store.path_for(conv.id).write_text(text, encoding="utf-8")
    cost = store.load(conv.id).messages[1].cost_usd
    assert cost == 2.0
    assert isinstance(cost, float)
