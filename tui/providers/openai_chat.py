"""OpenAI Chat Completions, also used for every OpenAI-compatible server.

`OpenAIChunkMapper` is pure (chunk in, events out); `OpenAIChatProvider.stream` opens the
SDK stream and feeds it. Non-standard fields of compatible servers are read only here.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import httpx2

from tui.providers import errors
from tui.providers.base import (
    ChatRequest,
    ModelListing,
    RequestImage,
    RequestMessage,
    RequestToolResult,
    ToolDefinition,
)
from tui.providers.context_probe import server_window
from tui.providers.driver import drive_stream
from tui.providers.events import (
    Finished,
    FinishReason,
    ReasoningDelta,
    RefusalDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from tui.providers.history import without_tool_turns
from tui.providers.openai_wire import chunks, posted
from tui.providers.sdk_openai import openai
from tui.providers.tls import plain_http_client

_FINISH = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "content_filter": FinishReason.CONTENT_FILTER,
    "tool_calls": FinishReason.TOOL_CALLS,
    "function_call": FinishReason.TOOL_CALLS,
}

# DeepSeek, llama.cpp and older vLLM say `reasoning_content`; Ollama, OpenRouter and
# newer vLLM say `reasoning`. Both are untyped extras on the delta.
_REASONING_FIELDS = ("reasoning_content", "reasoning")


class OpenAIChunkMapper:
    """Turns decoded Chat Completions chunks into events; call `finish()` once the stream
    ends. Chunks are plain JSON objects: servers differ, so every field is checked."""

    def __init__(self) -> None:
        self.raw_finish: str | None = None
        self.saw_refusal = False
        self._call_ids: dict[str, int] = {}
        self._by_index: dict[int, int] = {}
        """The server's `index` of a tool call to ours (see `_call_index`)."""
        self._calls = 0
        self._latest_call: int | None = None

    def handle(self, chunk: Mapping[str, Any]) -> list[StreamEvent]:
        """Events for one chunk (only choice 0 counts)."""
        events: list[StreamEvent] = []
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict):
                self._delta(delta, events)
            finish = choice.get("finish_reason")
            if isinstance(finish, str) and finish:
                self.raw_finish = finish
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            events.append(_usage(usage))
        return events

    def _delta(self, delta: Mapping[str, Any], events: list[StreamEvent]) -> None:
        for name in _REASONING_FIELDS:
            value = delta.get(name)
            if isinstance(value, str) and value:
                events.append(ReasoningDelta(value))
                break
        content = delta.get("content")
        if isinstance(content, str) and content:
            events.append(TextDelta(content))
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            self.saw_refusal = True
            events.append(RefusalDelta(refusal))
        calls = delta.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            if not isinstance(call, dict):
                continue
            function = call.get("function")
            function = function if isinstance(function, dict) else {}
            raw_id = call.get("id")
            call_id = raw_id if isinstance(raw_id, str) and raw_id else None
            call_name = function.get("name")
            events.append(
                ToolCallDelta(
                    index=self._call_index(call.get("index"), call_id),
                    id=call_id,
                    name=call_name if isinstance(call_name, str) and call_name else None,
                    arguments=_arguments_text(function.get("arguments")),
                )
            )

    def _call_index(self, raw_index: object, call_id: str | None) -> int:
        """Our index for a tool call piece, counting calls from 0 in the order they start.

        OpenAI starts each call with its id and sends later pieces with only its
        `index`. Others differ: Ollama (and some vLLM versions) send each whole call in
        one chunk, some with no `index` and some with index 0 every time; some repeat
        the id on every piece. So an id is the call's identity when there is one (a new
        id is a new call, a known one is that call); a piece without an id belongs to
        the call its `index` named before, or, with no `index`, to the latest call.
        """
        index = raw_index if type(raw_index) is int else None
        current = self._by_index.get(index) if index is not None else self._latest_call
        if call_id is not None:
            known = self._call_ids.get(call_id)
            if known is not None:
                return known
            if current is not None and current not in self._call_ids.values():
                ours = current  # the call's id came after its first piece
            else:
                ours = self._calls
                self._calls += 1
            self._call_ids[call_id] = ours
        elif current is not None:
            return current
        else:
            ours = self._calls
            self._calls += 1
        if index is not None:
            self._by_index[index] = ours
        self._latest_call = ours
        return ours

    def finish(self) -> Finished | None:
        """The closing event, or None when the stream never gave a finish reason."""
        if self.raw_finish is None:
            return None
        if self.saw_refusal:
            return Finished(FinishReason.REFUSAL, self.raw_finish)
        return Finished(_FINISH.get(self.raw_finish, FinishReason.OTHER), self.raw_finish)


def _arguments_text(arguments: object) -> str:
    """A call's arguments piece: JSON text (a server that sends an object gets it as text)."""
    if isinstance(arguments, str):
        return arguments
    if isinstance(arguments, dict):
        return json.dumps(arguments, ensure_ascii=False)
    return ""


def _usage(usage: Mapping[str, Any]) -> Usage:
    """A `usage` object as ours. `prompt_tokens` already counts the cached tokens.

    Every OpenAI reply reports `reasoning_tokens: 0` and `cached_tokens: 0`; only a real
    count is kept. OpenRouter adds `cost`, the request's price in dollars.
    """
    output = usage.get("completion_tokens_details")
    reasoning = _count(output, "reasoning_tokens") if isinstance(output, dict) else None
    prompt = usage.get("prompt_tokens_details")
    cached = _count(prompt, "cached_tokens") if isinstance(prompt, dict) else None
    cost = usage.get("cost")
    cost_usd = float(cost) if isinstance(cost, int | float) and not isinstance(cost, bool) else None
    return Usage(
        _count(usage, "prompt_tokens"),
        _count(usage, "completion_tokens"),
        reasoning or None,
        cached_input_tokens=cached or None,
        cost_usd=cost_usd,
    )


def _count(usage: Mapping[str, Any], name: str) -> int | None:
    value = usage.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def request_messages(request: ChatRequest) -> list[dict[str, Any]]:
    """The Chat Completions `messages` list: the system prompt is the first message.

    An assistant turn's tool calls go in its `tool_calls` (its `content` is None when it
    said nothing); a `tool` turn becomes one `tool` message per result. The API has no
    error flag for a result, so a failed one says so in its text ("Error: ..."). A turn
    with images has `content` as parts (its text, then one `image_url` data URL per
    image); tool messages take only text, so a result's images are a note there.
    """
    messages: list[dict[str, Any]] = (
        [{"role": "system", "content": request.system}] if request.system else []
    )
    turns = request.messages if request.tools else without_tool_turns(request.messages)
    for message in turns:
        if message.role == "tool":
            messages.extend(
                {"role": "tool", "tool_call_id": result.call_id, "content": _result_text(result)}
                for result in message.tool_results
            )
        elif message.tool_calls:
            calls = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments},
                }
                for call in message.tool_calls
            ]
            messages.append(
                {"role": message.role, "content": message.content or None, "tool_calls": calls}
            )
        else:
            messages.append({"role": message.role, "content": _content(message)})
    return messages


def _content(message: RequestMessage) -> str | list[dict[str, Any]]:
    """A turn's `content`: its text, or parts when it has images."""
    if not message.images:
        return message.content
    parts: list[dict[str, Any]] = []
    if message.content:
        parts.append({"type": "text", "text": message.content})
    parts.extend(
        {"type": "image_url", "image_url": {"url": data_url(image)}} for image in message.images
    )
    return parts


def data_url(image: RequestImage) -> str:
    """An image as a `data:` URL (`data:image/png;base64,...`)."""
    return f"data:{image.media_type};base64,{base64.b64encode(image.data).decode('ascii')}"


ERROR_PREFIX = "Error: "


def _result_text(result: RequestToolResult) -> str:
    text = result.text
    if result.is_error and not text.startswith(ERROR_PREFIX):
        text = ERROR_PREFIX + text
    notes = [
        f"[the tool returned an image: {image.media_type}, {len(image.data)} bytes; it "
        "cannot be sent in a tool result to this API]"
        for image in result.images
    ]
    return "\n\n".join([text, *notes]) if text else "\n\n".join(notes)


def request_tools(tools: tuple[ToolDefinition, ...]) -> list[dict[str, Any]]:
    """The Chat Completions `tools` list (function tools)."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": dict(tool.parameters),
            },
        }
        for tool in tools
    ]


class OpenAIChatProvider:
    """Streams replies from OpenAI or any server that speaks its Chat Completions API."""

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        api_key: str | None,
        api_key_env: str | None = None,
        read_timeout: float = 60.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.base_url = base_url
        self.api_key_env = api_key_env
        self.read_timeout = read_timeout
        # Local servers need no key, but the SDK refuses to start without one.
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            max_retries=0,  # retries are decided once, in tui.providers.retry
            timeout=openai.Timeout(read_timeout, connect=connect_timeout),
            http_client=plain_http_client(base_url, openai.DefaultAsyncHttpxClient),
        )
        self._include_usage = True

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()

    async def list_models(self, wait_s: float) -> ModelListing:
        """`GET /models` (OpenAI, and every compatible server including Ollama's /v1)."""
        endpoint = errors.Endpoint(self.name, self.base_url, "", self.api_key_env)
        pager = self._client.models.list(timeout=wait_s)
        return await errors.list_models_with(pager, openai, endpoint, wait_s)

    async def context_window(self, model: str, wait_s: float) -> int | None:
        """What the server says of `model`'s window: see `server_window`."""
        return await server_window(self._client, self.base_url, model, wait_s)

    def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        """Stream one reply. See `tui.providers.events` for the guarantees."""
        endpoint = errors.Endpoint(self.name, self.base_url, request.model, self.api_key_env)
        return drive_stream(
            lambda: self._open(request),
            OpenAIChunkMapper(),
            sdk=openai,
            endpoint=endpoint,
            read_timeout=self.read_timeout,
        )

    @asynccontextmanager
    async def _open(self, request: ChatRequest) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """Start the request; drop `stream_options` for servers that reject it."""
        async with AsyncExitStack() as stack:
            response = None
            if self._include_usage:
                try:
                    response = await stack.enter_async_context(self._create(request, True))
                except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                    # Some older compatible servers reject `stream_options`: ask once more
                    # without it, and remember. Any other 400 is the user's to see.
                    if not _mentions_stream_options(exc):
                        raise
                    self._include_usage = False
            if response is None:
                response = await stack.enter_async_context(self._create(request, False))
            yield chunks(response)

    def _create(
        self, request: ChatRequest, include_usage: bool
    ) -> AbstractAsyncContextManager[httpx2.Response]:
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": request_messages(request),
            "stream": True,
        }
        if request.tools:
            kwargs["tools"] = request_tools(request.tools)
        if include_usage:
            kwargs["stream_options"] = {"include_usage": True}
        if request.reasoning_effort:
            kwargs["reasoning_effort"] = request.reasoning_effort
            if request.max_tokens is not None:
                # Reasoning models refuse `max_tokens`; this one counts reasoning too.
                kwargs["max_completion_tokens"] = request.max_tokens
        elif request.max_tokens is not None:
            kwargs["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            kwargs["temperature"] = request.temperature
        return posted(self._client, kwargs, dict(request.extra_headers or {}))


def _mentions_stream_options(exc: openai.APIStatusError) -> bool:
    text = f"{exc.message} {exc.body}".lower()
    return "stream_options" in text or "include_usage" in text
