"""The SSE parser the OpenAI adapter reads raw stream bodies with."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from tui.providers.sse import SSEParser

BODY = (
    b": OPENROUTER PROCESSING\r\n\r\n"
    b'data: {"a": "line\xe2\x80\xa8sep"}\r\n\r\n'
    b"event: message\ndata: first\ndata: second\n\n"
    b"data: cr only\r\r"
    b"id: 7\nretry: 10\n\n"
    b"data: [DONE]\n\n"
    b"data: never dispatched"
)
EVENTS = ['{"a": "line\u2028sep"}', "first\nsecond", "cr only", "[DONE]"]


def parse(pieces: list[bytes]) -> list[str]:
    parser = SSEParser()
    return [data for piece in pieces for data in parser.feed(piece)]


def test_whole_body() -> None:
    assert parse([BODY]) == EVENTS


def test_byte_per_read() -> None:
    assert parse([BODY[i : i + 1] for i in range(len(BODY))]) == EVENTS


@given(st.lists(st.integers(min_value=0, max_value=len(BODY)), max_size=12))
def test_any_split_gives_the_same_events(cuts: list[int]) -> None:
    points = [0, *sorted(cuts), len(BODY)]
    assert parse([BODY[a:b] for a, b in pairwise(points)]) == EVENTS


def test_invalid_utf8_is_replaced_not_raised() -> None:
    assert parse([b"data: \xff\xfe ok\n\n"]) == ["\ufffd\ufffd ok"]
