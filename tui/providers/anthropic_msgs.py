"""Anthropic Messages API.

`AnthropicEventMapper` is pure (SDK stream event in, our events out);
`AnthropicProvider.stream` opens the SDK stream and feeds it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast

from tui.providers import errors
from tui.providers.base import (
    ChatRequest,
    ModelListing,
    RequestImage,
    RequestMessage,
    RequestToolCall,
    ToolDefinition,
)
from tui.providers.driver import drive_stream
from tui.providers.events import (
    Finished,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from tui.providers.history import without_tool_turns
from tui.providers.sdk_anthropic import anthropic

if TYPE_CHECKING:
    from anthropic.types import RawMessageStreamEvent

_FINISH = {
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "pause_turn": FinishReason.STOP,
    "max_tokens": FinishReason.LENGTH,
    "model_context_window_exceeded": FinishReason.LENGTH,
    "tool_use": FinishReason.TOOL_CALLS,
    "refusal": FinishReason.REFUSAL,
}

# The Messages API insists on max_tokens; this is what we send when config leaves it out.
DEFAULT_MAX_TOKENS = 4096


class AnthropicEventMapper:
    """Turns raw Messages stream events into ours; call `finish()` once it ends.

    Anthropic's `input_tokens` leaves out the prompt cache's reads and writes; ours
    (see `Usage`) counts all input, so the three are added together here. Each count
    is the latest one the stream gave (`message_delta` may repeat or update them).
    """

    def __init__(self) -> None:
        self.input_tokens: int | None = None
        """Anthropic's own `input_tokens`: the input the cache did not touch."""
        self.cache_read: int | None = None
        self.cache_write: int | None = None
        self.output_tokens: int | None = None
        self.raw_finish: str | None = None

    def handle(self, event: RawMessageStreamEvent) -> list[StreamEvent]:
        """Events for one SDK stream event. Pings and signatures yield nothing."""
        if event.type == "message_start":
            usage = event.message.usage
            self.input_tokens, self.output_tokens = usage.input_tokens, usage.output_tokens
            self._cache(usage.cache_read_input_tokens, usage.cache_creation_input_tokens)
            return [self._usage()]
        if event.type == "content_block_start":
            block = event.content_block
            if block.type == "tool_use":
                return [ToolCallDelta(event.index, block.id, block.name, "")]
            return []
        if event.type == "content_block_delta":
            delta = event.delta
            if delta.type == "text_delta" and delta.text:
                return [TextDelta(delta.text)]
            if delta.type == "thinking_delta" and delta.thinking:
                return [ReasoningDelta(delta.thinking)]
            if delta.type == "input_json_delta" and delta.partial_json:
                return [ToolCallDelta(event.index, None, None, delta.partial_json)]
            return []
        if event.type == "message_delta":
            self.raw_finish = event.delta.stop_reason or self.raw_finish
            totals = event.usage
            self.output_tokens = totals.output_tokens
            if totals.input_tokens is not None:
                self.input_tokens = totals.input_tokens
            self._cache(totals.cache_read_input_tokens, totals.cache_creation_input_tokens)
            return [self._usage()]
        return []

    def _cache(self, read: int | None, write: int | None) -> None:
        if read is not None:
            self.cache_read = read
        if write is not None:
            self.cache_write = write

    def _usage(self) -> Usage:
        total = None
        if self.input_tokens is not None:
            total = self.input_tokens + (self.cache_read or 0) + (self.cache_write or 0)
        return Usage(
            total,
            self.output_tokens,
            cached_input_tokens=self.cache_read or None,
            cache_write_tokens=self.cache_write or None,
        )

    def finish(self) -> Finished | None:
        """The closing event, or None when the stream never gave a stop reason."""
        if self.raw_finish is None:
            return None
        return Finished(_FINISH.get(self.raw_finish, FinishReason.OTHER), self.raw_finish)


def request_messages(messages: tuple[RequestMessage, ...]) -> list[dict[str, Any]]:
    """Messages in the shape the API needs: starting with a user turn, roles alternating.

    Turns of the same role in a row (say, a reply that failed and was left out, or the
    user's next message after tool results) are joined, so the history of any
    conversation can be sent here. A turn with tool calls or results becomes content
    blocks (`tool_use` after the turn's text; `tool_result` in a user message, always
    before its other content, as the API requires); plain text turns stay strings. A
    turn's images are `image` blocks after its text; a result with images has blocks
    as its `content` (its text, then its images).
    """
    merged: list[tuple[str, list[dict[str, Any]]]] = []
    for message in messages:
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _blocks(message)
        if merged and merged[-1][0] == role:
            merged[-1][1].extend(blocks)
        else:
            merged.append((role, blocks))
    if merged and merged[0][0] == "assistant":
        merged.insert(0, ("user", [_text("(continued)")]))
    return [{"role": role, "content": _content(blocks)} for role, blocks in merged]


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def image_block(image: RequestImage) -> dict[str, Any]:
    """An `image` block with the image's bytes as its base64 source."""
    data = base64.b64encode(image.data).decode("ascii")
    return {
        "type": "image",
        "source": {"type": "base64", "media_type": image.media_type, "data": data},
    }


def _blocks(message: RequestMessage) -> list[dict[str, Any]]:
    """One turn as content blocks (a text block even when empty: see `_content`)."""
    blocks = [] if message.role == "tool" else [_text(message.content)]
    blocks.extend(image_block(image) for image in message.images)
    for call in message.tool_calls:
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": _input(call)})
    for result in message.tool_results:
        content: str | list[dict[str, Any]] = result.text
        if result.images:
            content = [_text(result.text)] if result.text else []
            content.extend(image_block(image) for image in result.images)
        block: dict[str, Any] = {
            "type": "tool_result",
            "tool_use_id": result.call_id,
            "content": content,
        }
        if result.is_error:
            block["is_error"] = True
        blocks.append(block)
    return blocks


def _input(call: RequestToolCall) -> dict[str, Any]:
    """A call's arguments as the JSON object `tool_use` needs; `{}` if they are not one
    (the model sent broken JSON: the history is still sent, the call with no input)."""
    try:
        parsed = json.loads(call.arguments) if call.arguments.strip() else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _content(blocks: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    """A message's content: one string when it is all text (joined as before), else
    blocks with tool results first and no empty text (the API refuses empty text)."""
    if all(block["type"] == "text" for block in blocks):
        return "\n\n".join(block["text"] for block in blocks)
    results = [block for block in blocks if block["type"] == "tool_result"]
    others = [
        block
        for block in blocks
        if block["type"] != "tool_result" and not (block["type"] == "text" and not block["text"])
    ]
    return results + _joined_text(others)


def _joined_text(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Text blocks in a row joined into one, the way plain turns are joined."""
    out: list[dict[str, Any]] = []
    for block in blocks:
        if block["type"] == "text" and out and out[-1]["type"] == "text":
            out[-1] = _text(out[-1]["text"] + "\n\n" + block["text"])
        else:
            out.append(block)
    return out


EPHEMERAL = {"type": "ephemeral"}
"""The `cache_control` of a prompt cache breakpoint (the default five-minute cache)."""
CACHED_USER_TURNS = 2
"""User turns marked for the cache: the latest (written) and the one before it (the
previous request's breakpoint, read). With the system prompt: 3 of the API's 4."""


def with_cache_breakpoints(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`messages` with `cache_control` on the last block of the latest user turns.

    The cache holds the prefix up to a breakpoint (tools, system prompt, turns), so the
    next request, which repeats this one and adds to it, reads it back instead of
    paying for it again. A string content becomes one text block to carry the mark;
    an empty one is left unmarked (the API refuses empty text). The list given is not
    changed.
    """
    out = list(messages)
    users = [i for i, message in enumerate(out) if message["role"] == "user"]
    for i in users[-CACHED_USER_TURNS:]:
        content = out[i]["content"]
        if isinstance(content, str):
            if not content:
                continue
            blocks = [_text(content)]
        else:
            blocks = list(content)
        if not blocks:
            continue
        blocks[-1] = {**blocks[-1], "cache_control": dict(EPHEMERAL)}
        out[i] = {**out[i], "content": blocks}
    return out


def request_tools(tools: tuple[ToolDefinition, ...]) -> list[dict[str, Any]]:
    """The Messages API `tools` list."""
    return [
        {"name": tool.name, "description": tool.description, "input_schema": dict(tool.parameters)}
        for tool in tools
    ]


class AnthropicProvider:
    """Streams replies from Anthropic's Messages API."""

    def __init__(
        self,
        *,
        name: str,
        base_url: str | None,
        api_key: str | None,
        api_key_env: str | None = None,
        read_timeout: float = 60.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.base_url = base_url or "https://api.anthropic.com"
        self.api_key_env = api_key_env
        self.read_timeout = read_timeout
        self._client = anthropic.AsyncAnthropic(
            base_url=self.base_url,
            api_key=api_key or "missing-key",
            max_retries=0,  # retries are decided once, in tui.providers.retry
            timeout=anthropic.Timeout(read_timeout, connect=connect_timeout),
        )
        # The SDK imports its resource modules on first use (about 0.1 s): do it here,
        # where adapters are built (off the event loop), not during the first reply.
        _ = self._client.messages

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()

    async def list_models(self, wait_s: float) -> ModelListing:
        """Anthropic's models list."""
        endpoint = errors.Endpoint(self.name, self.base_url, "", self.api_key_env)
        pager = self._client.models.list(timeout=wait_s)
        return await errors.list_models_with(pager, anthropic, endpoint, wait_s)

    async def context_window(self, model: str, wait_s: float) -> int | None:
        """Not reported by the Messages API (see `tui.context.KNOWN_WINDOWS`)."""
        return None

    def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        """Stream one reply. See `tui.providers.events` for the guarantees."""
        endpoint = errors.Endpoint(self.name, self.base_url, request.model, self.api_key_env)
        kwargs: dict[str, Any] = {}
        max_tokens = request.max_tokens or DEFAULT_MAX_TOKENS
        if request.system:
            kwargs["system"] = (
                [{**_text(request.system), "cache_control": dict(EPHEMERAL)}]
                if request.prompt_caching
                else request.system
            )
        if request.thinking_budget:
            # The budget is part of max_tokens and must be below it; the API refuses a
            # temperature other than 1 while thinking, so none is sent.
            kwargs["thinking"] = {"type": "enabled", "budget_tokens": request.thinking_budget}
            max_tokens += request.thinking_budget
        elif request.temperature is not None:
            kwargs["temperature"] = request.temperature
        if request.extra_headers:
            kwargs["extra_headers"] = dict(request.extra_headers)
        if request.tools:
            kwargs["tools"] = request_tools(request.tools)

        turns = request.messages if request.tools else without_tool_turns(request.messages)
        messages = request_messages(turns)
        if request.prompt_caching:
            messages = with_cache_breakpoints(messages)

        @asynccontextmanager
        async def open_stream() -> AsyncIterator[AsyncIterable[RawMessageStreamEvent]]:
            created = await self._client.messages.create(
                model=request.model,
                max_tokens=max_tokens,
                messages=messages,  # type: ignore[arg-type]
                stream=True,
                **kwargs,
            )
            stream = cast("anthropic.AsyncStream[RawMessageStreamEvent]", created)
            async with stream:
                yield stream

        return drive_stream(
            open_stream,
            AnthropicEventMapper(),
            sdk=anthropic,
            endpoint=endpoint,
            read_timeout=self.read_timeout,
        )
