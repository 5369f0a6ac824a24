"""The Chat Completions request as sent, and its body read back as JSON chunks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import httpx2

from tui.providers.sdk_openai import openai
from tui.providers.sse import SSEParser


@asynccontextmanager
async def posted(
    client: openai.AsyncOpenAI, body: dict[str, Any], headers: dict[str, str]
) -> AsyncIterator[httpx2.Response]:
    # The client's documented low-level post: the SDK still sends the request and maps
    # HTTP errors, but neither its chat.completions resource (45 ms of `ask`'s start, in
    # typed models built at import) nor a pydantic model per chunk (0.25 ms each, once
    # the largest CPU cost of a reply) is needed: the body is read as raw SSE.
    sent = client.post(
        "/chat/completions",
        cast_to=httpx2.Response,
        body=body,
        options={"headers": headers},
        stream=True,
        stream_cls=openai.AsyncStream[Any],
    )
    # cast_to=httpx2.Response makes the SDK hand back the response itself, unread.
    response = cast(httpx2.Response, await sent)
    try:
        yield response
    finally:
        await response.aclose()


async def chunks(response: httpx2.Response) -> AsyncIterator[dict[str, Any]]:
    """Each JSON chunk of the stream, until `[DONE]`; an `error` object is raised the
    way the SDK's own stream raises it (`openai.APIError` with the error as body)."""
    parser = SSEParser()
    async for raw in response.aiter_bytes():
        for data in parser.feed(raw):
            if data.startswith("[DONE]"):
                # Read the rest so HTTP/1.1 can reuse the connection for the next reply.
                async for _ in response.aiter_bytes():
                    pass
                return
            chunk = json.loads(data)
            if not isinstance(chunk, dict):
                continue
            if error := chunk.get("error"):
                message = error.get("message") if isinstance(error, dict) else None
                raise openai.APIError(
                    message if isinstance(message, str) and message else "stream error",
                    response.request,
                    body=error,
                )
            yield chunk
