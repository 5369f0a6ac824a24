"""A loopback OpenAI-compatible streaming server for benchmarks.

`python -m benchmarks.server --port 0 --events FILE` prints `PORT n`. The model name
sets the reply: `bench-len2000` streams 2,000 tokens as fast as the socket takes them,
`bench-len500-tps100` at 100 tokens/s. The reply is deterministic Markdown that starts
with ZZSTART and ends with ZZEND. With `--events`, the wall-clock times of the first and
last streamed byte of each reply are appended to FILE as JSON lines.

A model named with `tools3` (`bench-tools3-len50`) first calls the tool `bench_echo`
with `{"text": "ztoolN"}` while the request holds fewer than 3 tool results, one call
per round, and then streams the reply; each call's time is logged as
`{"tool_call": t, "round": N}`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
from pathlib import Path

WORDS = (
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
    "enim",
    "minim",
    "veniam",
    "quis",
    "nostrud",
    "exercitation",
    "ullamco",
    "laboris",
    "nisi",
    "aliquip",
    "commodo",
    "consequat",
)


def reply_tokens(count: int, seed: int = 7) -> list[str]:
    """`count` word-piece tokens of Markdown: headings, lists, paragraphs, code blocks."""
    rng = random.Random(seed)
    tokens = ["ZZSTART", "\n\n"]
    while len(tokens) < count - 1:
        kind = rng.random()
        if kind < 0.1:
            tokens += ["## ", *(f"{rng.choice(WORDS)} " for _ in range(3)), "\n\n"]
        elif kind < 0.2:
            for _ in range(3):
                tokens += ["- ", *(f"{rng.choice(WORDS)} " for _ in range(4)), "\n"]
            tokens.append("\n")
        elif kind < 0.27:
            tokens += ["```python\n"]
            for i in range(4):
                tokens += [f"value_{i} ", "= ", f"{rng.randint(0, 99)}", "\n"]
            tokens += ["```\n\n"]
        else:
            tokens += [f"{rng.choice(WORDS)} " for _ in range(rng.randint(12, 30))]
            tokens += [".", "\n\n"]
    return [*tokens[: count - 1], "ZZEND"]


TOOL_NAME = "bench_echo"
TOOL_ROUNDS = re.compile(r"tools(\d+)")


def chunk(
    text: str | None,
    finish: str | None = None,
    usage: dict[str, int] | None = None,
    delta: dict[str, object] | None = None,
) -> bytes:
    if delta is None:
        delta = {} if text is None else {"content": text}
    body: dict[str, object] = {
        "id": "bench",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "bench",
        "choices": []
        if usage
        else [
            {
                "index": 0,
                "delta": delta,
                "finish_reason": finish,
            }
        ],
    }
    if usage:
        body["usage"] = usage
    return f"data: {json.dumps(body)}\n\n".encode()


MODELS = ("bench-len2000",)
_OLLAMA_DETAILS = {
    "format": "gguf",
    "family": "llama",
    "families": ["llama"],
    "parameter_size": "8B",
    "quantization_level": "Q4_K_M",
}


def tool_call_chunks(round_: int) -> bytes:
    """A whole streamed answer that calls `bench_echo` once: round `round_` (from 1)."""
    call = {
        "index": 0,
        "id": f"call_bench_{round_}",
        "type": "function",
        "function": {"name": TOOL_NAME, "arguments": json.dumps({"text": f"ztool{round_}"})},
    }
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    return (
        chunk(None, delta={"role": "assistant", "tool_calls": [call]})
        + chunk(None, "tool_calls")
        + chunk(None, usage=usage)
        + b"data: [DONE]\n\n"
    )


def tool_results(body: dict[str, object]) -> int:
    """How many `role: "tool"` messages the request holds."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return 0
    return sum(1 for m in messages if isinstance(m, dict) and m.get("role") == "tool")


def metadata(method: str, path: str, body: dict[str, object]) -> object:
    """Everything but the chat: OpenAI's model list, and the Ollama calls oterm makes
    before it chats through Ollama's OpenAI-compatible `/v1`."""
    if path.endswith("/models"):
        listed = [{"id": m, "object": "model", "created": 0, "owned_by": "bench"} for m in MODELS]
        return {"object": "list", "data": listed}
    if path == "/api/tags":
        return {
            "models": [
                {
                    "name": f"{m}:latest",
                    "model": f"{m}:latest",
                    "modified_at": "2026-01-01T00:00:00Z",
                    "size": 1,
                    "digest": "0" * 64,
                    "details": _OLLAMA_DETAILS,
                }
                for m in MODELS
            ]
        }
    if path == "/api/show":
        return {
            "modelfile": f"FROM {body.get('model', '')}\n",
            "parameters": "",
            "template": "{{ .Prompt }}",
            "details": _OLLAMA_DETAILS,
            "model_info": {"general.architecture": "llama", "llama.context_length": 8192},
            "capabilities": ["completion"],
        }
    if path == "/api/ps":
        return {"models": []}
    if path == "/api/version":
        return {"version": "0.12.0"}
    return b"Ollama is running" if method in ("GET", "HEAD") else {"error": "no such route"}


class BenchServer:
    def __init__(self, events: Path | None) -> None:
        self.events = events

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                length = 0
                for line in lines[1:]:
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                body = json.loads(await reader.readexactly(length)) if length else {}
                if method == "POST" and path.endswith("/chat/completions"):
                    await self.stream(body, writer)
                    continue
                answer = metadata(method, path.split("?")[0], body)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                kind = b"text/plain" if isinstance(answer, bytes) else b"application/json"
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: %s\r\n"
                    b"content-length: %d\r\n\r\n%s" % (kind, len(data), data)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def stream(self, body: dict[str, object], writer: asyncio.StreamWriter) -> None:
        model = str(body.get("model", ""))
        count = int(m.group(1)) if (m := re.search(r"len(\d+)", model)) else 2000
        tps = float(m.group(1)) if (m := re.search(r"tps(\d+)", model)) else 0.0
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )
        rounds = int(m.group(1)) if (m := TOOL_ROUNDS.search(model)) else 0
        if (done_rounds := tool_results(body)) < rounds:
            await self.call_tool(done_rounds + 1, writer)
            return
        tokens = reply_tokens(count)
        first = last = 0.0
        for index, token in enumerate(tokens):
            if writer.is_closing():  # the app stopped the reply
                return
            data = chunk(token)
            writer.write(b"%x\r\n%s\r\n" % (len(data), data))
            if index == 0:
                await writer.drain()
                first = time.time()
            if tps:
                await writer.drain()
                await asyncio.sleep(1 / tps)  # the pace asked for, not synchronisation
        tail = chunk(None, "stop") + chunk(
            None,
            usage={
                "prompt_tokens": 10,
                "completion_tokens": len(tokens),
                "total_tokens": 10 + count,
            },
        )
        tail += b"data: [DONE]\n\n"
        writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(tail), tail))
        await writer.drain()
        last = time.time()
        if self.events is not None:
            with self.events.open("a") as log:
                log.write(json.dumps({"first": first, "last": last, "tokens": count}) + "\n")

    async def call_tool(self, round_: int, writer: asyncio.StreamWriter) -> None:
        data = tool_call_chunks(round_)
        writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data))
        await writer.drain()
        sent = time.time()
        if self.events is not None:
            with self.events.open("a") as log:
                log.write(json.dumps({"tool_call": sent, "round": round_}) + "\n")


async def serve(port: int, events: Path | None) -> None:
    server = await asyncio.start_server(BenchServer(events).handle, "127.0.0.1", port)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--events", type=Path)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.events))


if __name__ == "__main__":
    main()
