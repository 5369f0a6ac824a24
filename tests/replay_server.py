"""A small HTTP/1.1 server on 127.0.0.1 that replays recorded stream bodies.

`POST /case/<NAME>/...` answers with the case's `.sse` body as a chunked event stream;
a `.status` file turns it into an HTTP error (`Content-Length` body) or, with
`"abort": true`, into a stream whose TCP connection is reset before the final chunk.
`.slow.sse` cases go out one byte per HTTP chunk, one write each, so the client's HTTP
stack hands the SDK one byte per read.

`hold(NAME, after)` keeps a case's streams open part-way: the server sends the first
`after` pieces, then waits until the test releases the hold or the client goes away, so
a test can act on a reply that is certainly still streaming, with no clock involved.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

FIXTURES = Path(__file__).parent / "fixtures" / "streams"
RAGGED_SIZES = (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 4096)
Mode = Literal["event", "ragged"]
S = TypeVar("S", bound="Served")


@dataclass(frozen=True)
class StreamCase:
    """One recorded response and the result the adapter must produce from it."""

    name: str
    body: bytes
    expected: dict[str, Any]
    status: dict[str, Any] | None

    @property
    def aborts(self) -> bool:
        return bool(self.status and self.status.get("abort"))

    @property
    def http_error(self) -> bool:
        return self.status is not None and not self.aborts

    @property
    def slow(self) -> bool:
        return self.name.endswith(".slow")


def text_case(name: str, pieces: list[str]) -> StreamCase:
    """An OpenAI stream of one text event per piece, ending with `stop` (no usage)."""

    def event(delta: dict[str, str], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        chunk = {"id": name, "object": "chat.completion.chunk", "created": 0, "model": "m"}
        return f"data: {json.dumps({**chunk, 'choices': [choice]})}\n\n"

    body = "".join(event({"content": piece}) for piece in pieces)
    body += event({}, "stop") + "data: [DONE]\n\n"
    expected = {"text": "".join(pieces), "provider": "openai", "finish_reason": "stop"}
    return StreamCase(name, body.encode(), expected, None)


USAGE_DEFAULTS = {"cached_input_tokens": None, "cache_write_tokens": None}
"""Usage keys a `.json` expectation may leave out: it means the stream says nothing of them."""


def load_cases(folder: Path = FIXTURES) -> dict[str, StreamCase]:
    """Every `NAME.sse` with its `NAME.json` (and optional `NAME.status`) in `folder`.

    An expectation without the cache counts in `usage`, or without `cost_usd`, gets
    them as null (the stream reports none), so older fixtures need not spell them out.
    """
    cases = {}
    for sse in sorted(folder.glob("*.sse")):
        name = sse.name.removesuffix(".sse")
        status_path = folder / f"{name}.status"
        expected = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        if isinstance(expected.get("usage"), dict):
            expected["usage"] = {**USAGE_DEFAULTS, **expected["usage"]}
        expected.setdefault("cost_usd", None)
        cases[name] = StreamCase(
            name=name,
            body=sse.read_bytes(),
            expected=expected,
            status=json.loads(status_path.read_text()) if status_path.exists() else None,
        )
    return cases


@dataclass
class Hold:
    """A case's streams held after their first `after` pieces until `release()`."""

    after: int
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    """Set (on the server's loop) once a stream has sent its first part and waits."""
    _released: asyncio.Event = field(default_factory=asyncio.Event)
    _loop: asyncio.AbstractEventLoop | None = None

    def release(self) -> None:
        """Let every held stream of the case (and those still to come) go on to the end.
        Safe to call from any thread."""
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if self._loop is None or self._loop is here or self._loop.is_closed():
            self._released.set()
        else:
            self._loop.call_soon_threadsafe(self._released.set)

    async def wait(self, reader: asyncio.StreamReader) -> bool:
        """Wait for the release; False if the client closed the connection first."""
        if self._released.is_set():
            return True
        self.reached.set()
        released = asyncio.ensure_future(self._released.wait())
        gone = asyncio.ensure_future(reader.read(1))  # the client sends nothing more
        try:
            await asyncio.wait({released, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            released.cancel()
            gone.cancel()
        return self._released.is_set()


@dataclass
class ReplayServer:
    """Serves `cases` on an ephemeral loopback port; records each request body."""

    cases: dict[str, StreamCase]
    mode: Mode = "event"
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    request_headers: list[dict[str, str]] = field(default_factory=list)
    """The headers of each request in `requests`, names lower-cased."""
    routes: dict[str, Any] = field(default_factory=dict)
    """Extra JSON answers by path suffix (e.g. `/props`, `/api/show`), for any case."""
    port: int = 0
    holds: dict[str, Hold] = field(default_factory=dict)
    """Cases whose streams wait part-way, by name: see `hold`."""
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for hold in self.holds.values():
            hold._loop = self._loop
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def hold(self, case: str, after: int = 1) -> Hold:
        """From now on, streams of `case` send their first `after` pieces (SSE events;
        bytes for a `.slow` case) and then wait for `release()` or the client to leave."""
        pieces = len(self._pieces(self.cases[case]))
        assert 0 <= after < pieces, f"{case} has {pieces} pieces: cannot hold after {after}"
        hold = Hold(after, _loop=self._loop)
        self.holds[case] = hold
        return hold

    async def stop(self) -> None:
        for hold in self.holds.values():
            hold.release()
        if self._server is not None:
            self._server.close()
            # Idle keep-alive connections would otherwise outlive the server.
            for writer in list(self._writers):
                writer.close()
            # Let each connection's handler see its EOF and end, rather than leaving
            # tasks for the loop to cancel at exit.
            if self._handlers:
                await asyncio.wait(self._handlers, timeout=5)
            await self._server.wait_closed()

    def url(self, case: str, *, openai: bool) -> str:
        """The `base_url` an SDK client needs to reach `case`."""
        root = f"http://127.0.0.1:{self.port}/case/{case}"
        return f"{root}/v1" if openai else root

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
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        key, value = line.split(":", 1)
                        headers[key.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                raw = await reader.readexactly(length) if length else b""
                match = re.match(r"^/case/([^/]+)(/.*)$", path)
                case = self.cases.get(match.group(1)) if match else None
                if method == "GET" and path.endswith("/models") and case is not None:
                    await self._models(case, writer)
                    continue
                route = next((r for r in self.routes if path.endswith(r)), None)
                if route is not None and case is not None:
                    self.requests.append((case.name, path, json.loads(raw or b"{}")))
                    await self._json(self.routes[route], writer)
                    continue
                streams = match is not None and match.group(2).endswith(
                    ("/chat/completions", "/messages")
                )
                if method != "POST" or case is None or match is None or not streams:
                    body = b'{"error":{"message":"no such case","type":"not_found"}}'
                    writer.write(
                        b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n"
                        b"content-length: %d\r\n\r\n%s" % (len(body), body)
                    )
                    await writer.drain()
                    continue
                self.requests.append((case.name, match.group(2), json.loads(raw or b"{}")))
                self.request_headers.append(headers)
                if not await self._respond(case, reader, writer):
                    return  # the client left while the stream was held
                if case.aborts:
                    writer.transport.abort()
                    return
        except ConnectionError:
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _models(self, case: StreamCase, writer: asyncio.StreamWriter) -> None:
        """A model list in the shape of the case's provider."""
        names = ["model-a", "model-b"]
        if case.expected.get("provider") == "anthropic":
            data = [
                {"id": n, "type": "model", "display_name": n, "created_at": "2025-01-01T00:00:00Z"}
                for n in names
            ]
            listing = {"data": data, "has_more": False, "first_id": names[0], "last_id": names[-1]}
        else:
            data = [{"id": n, "object": "model", "created": 0, "owned_by": "test"} for n in names]
            listing = {"object": "list", "data": data}
        await self._json(listing, writer)

    async def _json(self, payload: Any, writer: asyncio.StreamWriter) -> None:
        body = json.dumps(payload).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()

    async def _respond(
        self, case: StreamCase, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; False if the client went away during a hold."""
        if case.http_error and case.status is not None:
            head = [f"HTTP/1.1 {case.status['status']} Error"]
            head += [f"{k}: {v}" for k, v in case.status.get("headers", {}).items()]
            head.append(f"content-length: {len(case.body)}")
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + case.body)
            await writer.drain()
            return True
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
            b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n"
        )
        await writer.drain()
        hold = self.holds.get(case.name)
        for number, piece in enumerate(self._pieces(case)):
            if hold is not None and number == hold.after and not await hold.wait(reader):
                return False  # the client left while the stream was held
            # One HTTP chunk per piece: the client's HTTP parser (h11) never merges
            # chunks, so a `.slow` case reaches the SDK as one read per byte.
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
        if case.aborts:
            # Give the client time to read what was sent before the reset drops it.
            await asyncio.sleep(0.05)
            return True
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    def _pieces(self, case: StreamCase) -> list[bytes]:
        data = case.body
        if case.slow:
            return [data[i : i + 1] for i in range(len(data))]
        if self.mode == "ragged":
            pieces, start, k = [], 0, 0
            while start < len(data):
                size = RAGGED_SIZES[k % len(RAGGED_SIZES)]
                pieces.append(data[start : start + size])
                start, k = start + size, k + 1
            return pieces
        pieces, start = [], 0
        for blank in re.finditer(rb"(\r\n|\r|\n)(\r\n|\r|\n)", data):
            pieces.append(data[start : blank.end()])
            start = blank.end()
        pieces.append(data[start:])
        return [p for p in pieces if p]


@contextmanager
def replay_in_thread(cases: dict[str, StreamCase]) -> Iterator[ReplayServer]:
    """A replay server on its own event loop thread, for code that runs its own loop."""
    with served_in_thread(ReplayServer(cases)) as server:
        yield server


class Served(Protocol):
    """A loopback test server that starts and stops on an event loop."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@contextmanager
def served_in_thread(server: S) -> Iterator[S]:
    """`server` started on an event loop of its own thread (for code that runs its own
    loop, such as snapshot tests), and stopped on leaving."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
