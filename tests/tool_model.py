"""A scripted tool-calling model on 127.0.0.1, speaking both streaming APIs.

`ToolModelServer` answers OpenAI Chat Completions (`POST /v1/chat/completions`, SSE
ending with `data: [DONE]`, a usage chunk when `stream_options.include_usage`) and
Anthropic Messages (`POST /v1/messages`: message_start, content blocks, message_delta,
message_stop), and `GET /v1/models` in either shape. It runs in the test's own loop,
like `ReplayServer`: `await start()`, `url(openai=...)`, `await stop()`; every request
body is kept in `requests`.

What it answers is decided by the request alone. The script is the last user message
that has text; each of its lines of these forms is one round of tool calls:

    CALL name {json}               call `name` with these arguments (`{}` if none)
    CALL a {json} && b {json}      two parallel calls in one round
    CALLANY name {json}            call `name` even if the request does not offer it
    LOOP name {json}               call it in this round and in every round after

Round k (from 0) is answered when the request holds k assistant tool-call turns after
that user message. A round streams the text `Calling a, b.` and then its calls, text
and arguments in 8-character pieces (arguments exactly as written, valid JSON or not),
and finishes `tool_calls` / `tool_use`; call ids are `call_<round>_<i>` (OpenAI) and
`toolu_<round>_<i>` (Anthropic). A tool is offered when the request's `tools` hold
`name` or `<prefix>__name` (the call then uses the offered name); a CALL or LOOP of a
tool not offered answers `NO TOOL name OFFERED` instead. When the rounds are used up
and the request ends with tool results, the reply is one line per result since the
user message, `RESULT name: text`, or `RESULT name [error]: text` for a failed one
(`is_error` on Anthropic; text starting "Error: " on OpenAI, the prefix dropped).
Anything else is answered `ok: <first 40 characters of the user text>`. Every image in
the request (OpenAI data URLs; Anthropic base64 `image` blocks, also inside tool results)
comes first, one line each, as `../shared/bench/fake_llm.py` does (see
`tests.image_parts`): `IMAGE#1 image/png 1234 bytes sha256:<first 12 hex digits>`.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.image_parts import describe_images
from tests.replay_server import Hold

PIECE = 8
ERROR_PREFIX = "Error: "


@dataclass
class Call:
    """One call the model makes: the tool's name as called, and its arguments text."""

    name: str
    arguments: str


@dataclass
class Round:
    """One line of the script."""

    calls: list[Call]
    any_tool: bool = False
    """CALLANY: call even a tool the request does not offer."""


@dataclass
class Script:
    """The user text's rounds; `loop` repeats forever once reached."""

    rounds: list[Round]
    loop: Round | None = None

    def round(self, k: int) -> Round | None:
        if k < len(self.rounds):
            return self.rounds[k]
        return self.loop


def parse_script(text: str) -> Script:
    """The rounds in a user message (lines starting CALL, CALLANY or LOOP)."""
    script = Script([])
    for line in text.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word not in ("CALL", "CALLANY", "LOOP") or script.loop is not None:
            continue
        calls = []
        for part in rest.split("&&"):
            name, _, arguments = part.strip().partition(" ")
            if name:
                calls.append(Call(name, arguments.strip() or "{}"))
        if not calls:
            continue
        found = Round(calls, any_tool=word == "CALLANY")
        if word == "LOOP":
            script.loop = found
        else:
            script.rounds.append(found)
    return script


@dataclass
class Turn:
    """A request's message, the same for both APIs: user text, calls or results."""

    kind: str  # "user", "calls", "results" or "other"
    text: str = ""
    calls: list[tuple[str, str]] = field(default_factory=list)
    """(id, name) of each call."""
    results: list[tuple[str, str, bool]] = field(default_factory=list)
    """(call id, text, is_error) of each result."""


def _text_of(content: Any) -> str | None:
    """The text of a message's content (a string or blocks), None if it has no text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [b["text"] for b in content if isinstance(b, dict) and b.get("type") == "text"]
        return "\n".join(texts) if texts else None
    return None


def openai_turns(messages: list[dict[str, Any]]) -> list[Turn]:
    turns = []
    for message in messages:
        role, content = message.get("role"), message.get("content")
        if role == "tool":
            said = _text_of(content) or ""
            error = said.startswith(ERROR_PREFIX)
            result = (message["tool_call_id"], said.removeprefix(ERROR_PREFIX), error)
            turns.append(Turn("results", results=[result]))
        elif role == "assistant" and message.get("tool_calls"):
            calls = [(c["id"], c["function"]["name"]) for c in message["tool_calls"]]
            turns.append(Turn("calls", calls=calls))
        elif role == "user" and (text := _text_of(content)) is not None:
            turns.append(Turn("user", text))
        else:
            turns.append(Turn("other"))
    return turns


def anthropic_turns(messages: list[dict[str, Any]]) -> list[Turn]:
    turns = []
    for message in messages:
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        if message.get("role") == "assistant":
            calls = [(b["id"], b["name"]) for b in blocks if b.get("type") == "tool_use"]
            turns.append(Turn("calls", calls=calls) if calls else Turn("other"))
            continue
        results = [
            (b["tool_use_id"], _text_of(b.get("content")) or "", bool(b.get("is_error")))
            for b in blocks
            if b.get("type") == "tool_result"
        ]
        if results:  # the API puts them before the message's text
            turns.append(Turn("results", results=results))
        if (text := _text_of(content)) is not None:
            turns.append(Turn("user", text))
    return turns


@dataclass
class Reply:
    """What to stream: text, then calls, and the finish."""

    text: str
    calls: list[Call] = field(default_factory=list)
    round: int = 0


def decide(turns: list[Turn], offered: list[str]) -> Reply:
    """The scripted answer to a request (see the module's docstring)."""
    start = max((i for i, t in enumerate(turns) if t.kind == "user"), default=None)
    if start is None:
        return Reply("ok: ")
    user, after = turns[start], turns[start + 1 :]
    k = sum(1 for t in after if t.kind == "calls")
    planned = parse_script(user.text).round(k)
    if planned is not None:
        calls = []
        for call in planned.calls:
            name = next(
                (o for o in offered if o == call.name or o.endswith("__" + call.name)), None
            )
            if name is None and not planned.any_tool:
                return Reply(f"NO TOOL {call.name} OFFERED")
            calls.append(Call(name or call.name, call.arguments))
        return Reply(f"Calling {', '.join(c.name for c in calls)}.", calls, k)
    if after and after[-1].kind == "results":
        names = {cid: name for t in turns for cid, name in t.calls}
        lines = [
            f"RESULT {names.get(cid, '?')}{' [error]' if error else ''}: {text}"
            for t in after
            for cid, text, error in t.results
        ]
        return Reply("\n".join(lines))
    return Reply(f"ok: {user.text[:40]}")


def _pieces(text: str) -> Iterator[str]:
    for i in range(0, len(text), PIECE):
        yield text[i : i + PIECE]


def _sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


def openai_events(reply: Reply, body: dict[str, Any], prompt_tokens: int) -> list[bytes]:
    """A Chat Completions stream of `reply`, in OpenAI's chunk shapes."""
    head = {"id": "chatcmpl-tool-model", "object": "chat.completion.chunk", "created": 0}
    head["model"] = body.get("model", "tool-model")

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return _sse({**head, "choices": [choice]})

    out = [chunk({"role": "assistant", "content": ""})]
    out += [chunk({"content": piece}) for piece in _pieces(reply.text)]
    for i, call in enumerate(reply.calls):
        function = {"name": call.name, "arguments": ""}
        first = {"index": i, "id": f"call_{reply.round}_{i}", "type": "function"}
        out.append(chunk({"tool_calls": [{**first, "function": function}]}))
        out += [
            chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
            for piece in _pieces(call.arguments)
        ]
    out.append(chunk({}, "tool_calls" if reply.calls else "stop"))
    if (body.get("stream_options") or {}).get("include_usage"):
        completion = len(out) - 2
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion}
        usage["total_tokens"] = prompt_tokens + completion
        out.append(_sse({**head, "choices": [], "usage": usage}))
    out.append(b"data: [DONE]\n\n")
    return out


def anthropic_events(reply: Reply, body: dict[str, Any], prompt_tokens: int) -> list[bytes]:
    """A Messages stream of `reply`, in Anthropic's event shapes."""
    out: list[bytes] = []

    def event(kind: str, **data: Any) -> None:
        out.append(_sse({"type": kind, **data}, kind))

    message: dict[str, Any] = {"id": "msg_tool_model", "type": "message", "role": "assistant"}
    message["content"] = []
    message |= {"model": body.get("model", "tool-model"), "stop_reason": None}
    message |= {"stop_sequence": None, "usage": {"input_tokens": prompt_tokens, "output_tokens": 1}}
    event("message_start", message=message)
    event("content_block_start", index=0, content_block={"type": "text", "text": ""})
    for piece in _pieces(reply.text):
        event("content_block_delta", index=0, delta={"type": "text_delta", "text": piece})
    event("content_block_stop", index=0)
    for i, call in enumerate(reply.calls, start=1):
        block = {"type": "tool_use", "id": f"toolu_{reply.round}_{i - 1}", "name": call.name}
        event("content_block_start", index=i, content_block={**block, "input": {}})
        for piece in ["", *_pieces(call.arguments)]:
            delta = {"type": "input_json_delta", "partial_json": piece}
            event("content_block_delta", index=i, delta=delta)
        event("content_block_stop", index=i)
    stop = "tool_use" if reply.calls else "end_turn"
    event(
        "message_delta",
        delta={"stop_reason": stop, "stop_sequence": None},
        usage={"output_tokens": len(out)},
    )
    event("message_stop")
    return out


@dataclass
class ToolModelServer:
    """The scripted model on an ephemeral loopback port (see the module's docstring)."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    """Every streamed request's JSON body, in order."""
    port: int = 0
    _hold: Hold | None = None
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def url(self, openai: bool) -> str:
        """The `base_url` for an SDK client of either API."""
        root = f"http://127.0.0.1:{self.port}"
        return f"{root}/v1" if openai else root

    def hold(self, after: int = 1) -> Hold:
        """From now on, every stream sends its first `after` SSE events, then waits for
        `release()` (or for the client to leave); `reached` is set once one waits."""
        self._hold = Hold(after, _loop=asyncio.get_running_loop())
        return self._hold

    async def stop(self) -> None:
        if self._hold is not None:
            self._hold.release()
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=5)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        try:
            while await self._one(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request on a kept-alive connection; False when it should close."""
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        method, path, _ = head[0].split(" ", 2)
        headers = {}
        for line in head[1:]:
            key, sep, value = line.partition(":")
            if sep:
                headers[key.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        raw = await reader.readexactly(length) if length else b""
        anthropic = "anthropic-version" in headers
        if method == "GET" and path.endswith("/models"):
            await _json(writer, _models(anthropic))
            return True
        if method != "POST" or not path.endswith(("/chat/completions", "/messages")):
            await _json(writer, {"error": {"message": "not found", "type": "not_found"}}, 404)
            return True
        body = json.loads(raw or b"{}")
        self.requests.append(body)
        tools = body.get("tools") or []
        messages = body.get("messages") or []
        prompt_tokens = len(json.dumps(messages)) // 4
        openai = path.endswith("/chat/completions")
        offered = [t["function"]["name"] if openai else t["name"] for t in tools]
        reply = decide((openai_turns if openai else anthropic_turns)(messages), offered)
        reply.text = describe_images(messages) + reply.text
        events = (openai_events if openai else anthropic_events)(reply, body, prompt_tokens)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
            b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n"
        )
        hold = self._hold
        for number, piece in enumerate(events):
            if hold is not None and number == hold.after and not await hold.wait(reader):
                return False  # the client left while the stream was held
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True


def _models(anthropic: bool) -> dict[str, Any]:
    if anthropic:
        model = {"id": "tool-model", "type": "model", "display_name": "tool-model"}
        model["created_at"] = "2025-01-01T00:00:00Z"
        return {"data": [model], "has_more": False, "first_id": "tool-model", "last_id": None}
    return {"object": "list", "data": [{"id": "tool-model", "object": "model", "created": 0}]}


async def _json(writer: asyncio.StreamWriter, payload: Any, status: int = 200) -> None:
    body = json.dumps(payload).encode()
    writer.write(
        b"HTTP/1.1 %d X\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
        % (status, len(body), body)
    )
    await writer.drain()
