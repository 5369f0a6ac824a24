"""Every recorded stream through the real SDK clients and our adapters.

Cases are discovered from tests/fixtures/streams/, so a new `.sse` + `.json` pair is
tested without touching this file.
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import openai
import pytest

from tests.replay_server import ReplayServer, StreamCase, load_cases
from tui.cli.json_result import result_object
from tui.engine.state import ReplyState
from tui.providers import errors
from tui.providers.anthropic_msgs import AnthropicProvider
from tui.providers.base import ChatRequest, RequestMessage
from tui.providers.events import ErrorKind, Finished, FinishReason, StreamError, StreamEvent
from tui.providers.openai_chat import OpenAIChatProvider

CASES = load_cases()
COMPARED = (
    "text",
    "reasoning",
    "refusal",
    "finish_reason",
    "raw_finish_reason",
    "usage",
    "cost_usd",
    "tool_calls",
    "error",
)


def modes(case: StreamCase) -> list[str]:
    return ["event"] if case.slow or case.http_error else ["event", "ragged"]


async def replay_case(server: ReplayServer, case: StreamCase) -> list[StreamEvent]:
    request = ChatRequest(model="fixture-model", messages=(RequestMessage("user", "hi"),))
    provider: OpenAIChatProvider | AnthropicProvider
    if case.expected["provider"] == "openai":
        provider = OpenAIChatProvider(
            name="openai", base_url=server.url(case.name, openai=True), api_key="x"
        )
    else:
        provider = AnthropicProvider(
            name="anthropic", base_url=server.url(case.name, openai=False), api_key="x"
        )
    try:
        return [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()


def expected_result(case: StreamCase) -> dict[str, Any]:
    return {key: case.expected[key] for key in COMPARED}


@pytest.mark.parametrize(
    ("name", "mode"),
    [(name, mode) for name, case in CASES.items() for mode in modes(case)],
)
async def test_case_matches_expected_result(replay: ReplayServer, name: str, mode: str) -> None:
    case = CASES[name]
    replay.mode = mode  # type: ignore[assignment]
    events = await replay_case(replay, case)

    state = ReplyState()
    for event in events:
        state.apply(event)
    result = result_object(state)
    assert {key: result[key] for key in COMPARED} == expected_result(case)

    # The stream contract: exactly one Finished, and it comes last.
    assert sum(isinstance(e, Finished) for e in events) == 1
    assert isinstance(events[-1], Finished)
    errors = [e for e in events if isinstance(e, StreamError)]
    assert len(errors) == (1 if case.expected["error"] else 0)
    if errors:
        assert errors[0].message  # a sentence for people, never empty


async def test_a_slow_case_reaches_the_sdk_one_byte_per_read(replay: ReplayServer) -> None:
    """What `.slow` cases are for: the body iterator the OpenAI adapter feeds its SSE
    parser from gets the stream one byte at a time, so every event is split across reads."""
    case = CASES["openai_split_packets.slow"]
    client = openai.AsyncOpenAI(
        base_url=replay.url(case.name, openai=True), api_key="x", max_retries=0
    )
    messages: list[Any] = [{"role": "user", "content": "hi"}]
    try:
        create = client.chat.completions.with_streaming_response.create
        async with create(model="m", messages=messages, stream=True) as response:
            reads = [chunk async for chunk in response.iter_bytes()]
    finally:
        await client.close()
    assert b"".join(reads) == case.body
    assert len(reads) == len(case.body)


def test_cases_were_discovered() -> None:
    assert len(CASES) >= 34
    assert all(case.expected["provider"] in ("openai", "anthropic") for case in CASES.values())


async def test_openai_request_asks_for_usage_and_streams(replay: ReplayServer) -> None:
    await replay_case(replay, CASES["openai_include_usage"])
    ((_, path, body),) = replay.requests
    assert path == "/v1/chat/completions"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [{"role": "user", "content": "hi"}]


async def test_anthropic_request_shape(replay: ReplayServer) -> None:
    await replay_case(replay, CASES["anthropic_basic_end_turn"])
    ((_, path, body),) = replay.requests
    assert path == "/v1/messages"
    assert body["stream"] is True
    assert body["max_tokens"] > 0


async def test_stream_without_a_finish_is_reported_incomplete() -> None:
    body = CASES["openai_basic_stop"].body
    lines = body.split(b"\n\n")
    # Keep only the content chunks: drop the finish chunk and [DONE].
    kept = [
        ln
        for ln in lines
        if ln
        and b'"finish_reason": "stop"' not in ln
        and b'"finish_reason":"stop"' not in ln
        and b"[DONE]" not in ln
    ]
    truncated = StreamCase(
        "truncated", b"\n\n".join(kept) + b"\n\n", CASES["openai_basic_stop"].expected, None
    )
    server = ReplayServer({"truncated": truncated})
    await server.start()
    try:
        events = await replay_case(server, truncated)
    finally:
        await server.stop()
    state = ReplyState()
    for event in events:
        state.apply(event)
    assert state.text == CASES["openai_basic_stop"].expected["text"]  # nothing dropped
    assert state.error is not None
    assert state.error.kind is ErrorKind.INCOMPLETE
    assert "may be cut off" in state.error.message
    assert events[-1] == Finished(FinishReason.ERROR)


async def test_a_silent_server_times_out_with_a_clear_message() -> None:
    release = asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await release.wait()  # stall until the client has given up
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    provider = OpenAIChatProvider(
        name="local", base_url=f"http://127.0.0.1:{port}/v1", api_key="x", read_timeout=0.3
    )
    request = ChatRequest(model="m", messages=(RequestMessage("user", "hi"),))
    try:
        events = [e async for e in provider.stream(request)]
    finally:
        await provider.aclose()
        release.set()
        server.close()
        await server.wait_closed()
    error = events[0]
    assert isinstance(error, StreamError)
    assert error.kind is ErrorKind.TIMEOUT
    assert "0.3 s" in error.message
    assert events[-1] == Finished(FinishReason.ERROR)


def chunk_line(content: str | None, finish: str | None = None) -> bytes:
    delta = {} if content is None else {"content": content}
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(chunk)}\n\n".encode()


async def replay_body(body: bytes, status: dict[str, Any] | None = None) -> list[StreamEvent]:
    case = StreamCase("made", body, {"provider": "openai"}, status)
    server = ReplayServer({"made": case})
    await server.start()
    try:
        return await replay_case(server, case)
    finally:
        await server.stop()


async def test_lone_surrogates_become_replacement_characters() -> None:
    # "\ud83d" alone: half of an emoji, as some servers split escaped pairs.
    body = chunk_line("half \ud83d") + chunk_line(None, "stop") + b"data: [DONE]\n\n"
    events = await replay_body(body)
    state = ReplyState()
    for event in events:
        state.apply(event)
    assert state.text == "half \ufffd"
    state.text.encode("utf-8")  # storable


async def test_a_drop_after_the_finish_reason_still_counts_as_finished() -> None:
    body = chunk_line("complete") + chunk_line(None, "stop")  # then the link drops
    events = await replay_body(body, {"status": 200, "headers": {}, "abort": True})
    assert not any(isinstance(e, StreamError) for e in events)
    assert events[-1] == Finished(FinishReason.STOP, "stop")


async def test_a_chunk_that_is_not_json_ends_the_reply_with_a_clear_error() -> None:
    body = chunk_line("kept ") + b'data: {"choices": [{"delta": \n\n' + chunk_line("never")
    events = await replay_body(body)
    state = ReplyState()
    for event in events:
        state.apply(event)
    assert state.text == "kept "  # what came before is kept
    assert state.error is not None
    assert state.error.kind is ErrorKind.STREAM
    assert "not valid JSON" in state.error.message
    assert events[-1] == Finished(FinishReason.ERROR)


async def test_a_one_megabyte_chunk_arrives_whole() -> None:
    big = "word " * 200_000  # 1 MB of text in a single SSE event
    body = chunk_line(big) + chunk_line(None, "stop") + b"data: [DONE]\n\n"
    events = await replay_body(body)
    state = ReplyState()
    for event in events:
        state.apply(event)
    assert state.text == big
    assert events[-1] == Finished(FinishReason.STOP, "stop")


async def test_https_to_a_plain_http_server_is_a_tls_error_in_plain_words() -> None:
    async def plain_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)  # the TLS hello: answered the way an HTTP server would
        writer.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(plain_http, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    provider = OpenAIChatProvider(
        name="local", base_url=f"https://127.0.0.1:{port}/v1", api_key="x"
    )
    request = ChatRequest(model="m", messages=(RequestMessage("user", "hi"),))
    try:
        events = [e async for e in provider.stream(request)]
    finally:
        await provider.aclose()
        server.close()
        await server.wait_closed()
    error = events[0]
    assert isinstance(error, StreamError)
    assert error.kind is ErrorKind.CONNECTION
    assert error.provider_type == "tls_error"
    assert "TLS handshake" in error.message
    assert "http://" in error.message


def test_an_unknown_host_is_named_as_a_dns_problem() -> None:
    try:
        try:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        except socket.gaierror as inner:
            raise ConnectionError("connect failed") from inner
    except ConnectionError as exc:
        endpoint = errors.Endpoint("openai", "https://api.example.invalid/v1", "m", None)
        error = errors.connection_error(endpoint, started=False, cause=exc)
    assert error.provider_type == "dns_error"
    assert "could not be found (DNS)" in error.message
    assert not error.retryable


@pytest.mark.parametrize(
    ("status", "server_says", "kind", "words"),
    [
        (400, "temperature must be at most 2", ErrorKind.BAD_REQUEST, "temperature must be"),
        (404, "The model `m` does not exist", ErrorKind.NOT_FOUND, "model 'fixture-model' was not"),
        (413, "Request too large", ErrorKind.CONTEXT_LENGTH, "too long for 'fixture-model'"),
        (400, "maximum context length is 8192 tokens", ErrorKind.CONTEXT_LENGTH, "too long"),
        (502, "Bad gateway", ErrorKind.SERVER, "server error (HTTP 502)"),
        (503, "Service unavailable", ErrorKind.SERVER, "server error (HTTP 503)"),
    ],
)
async def test_http_errors_reach_the_user_in_plain_words(
    status: int, server_says: str, kind: ErrorKind, words: str
) -> None:
    body = json.dumps({"error": {"message": server_says, "type": "invalid_request_error"}})
    events = await replay_body(
        body.encode(), {"status": status, "headers": {"content-type": "application/json"}}
    )
    error = events[0]
    assert isinstance(error, StreamError)
    assert error.kind is kind
    assert error.status == status
    assert words in error.message
    assert events[-1] == Finished(FinishReason.ERROR)
