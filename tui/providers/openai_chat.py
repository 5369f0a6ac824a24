"""OpenAI Chat Completions, also used for every OpenAI-compatible server.

`OpenAIChunkMapper` is pure (chunk in, events out); `OpenAIChatProvider.stream` opens the
SDK stream and feeds it. Non-standard fields of compatible servers are read only here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import openai

from tui.providers import errors
from tui.providers.base import ChatRequest, ModelListing
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

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionChunk

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
    """Turns `ChatCompletionChunk`s into events; call `finish()` once the stream ends."""

    def __init__(self) -> None:
        self.raw_finish: str | None = None
        self.saw_refusal = False

    def handle(self, chunk: ChatCompletionChunk) -> list[StreamEvent]:
        """Events for one chunk (only choice 0 counts)."""
        events: list[StreamEvent] = []
        for choice in chunk.choices or ():
            if choice.index != 0:
                continue
            delta = choice.delta
            if delta is not None:
                extra: dict[str, Any] = delta.model_extra or {}
                for name in _REASONING_FIELDS:
                    value = extra.get(name)
                    if isinstance(value, str) and value:
                        events.append(ReasoningDelta(value))
                        break
                if delta.content:
                    events.append(TextDelta(delta.content))
                if delta.refusal:
                    self.saw_refusal = True
                    events.append(RefusalDelta(delta.refusal))
                for call in delta.tool_calls or ():
                    function = call.function
                    events.append(
                        ToolCallDelta(
                            index=call.index,
                            id=call.id or None,
                            name=(function.name or None) if function else None,
                            arguments=(function.arguments or "") if function else "",
                        )
                    )
            if choice.finish_reason:
                self.raw_finish = choice.finish_reason
        if chunk.usage is not None:
            events.append(Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens))
        return events

    def finish(self) -> Finished | None:
        """The closing event, or None when the stream never gave a finish reason."""
        if self.raw_finish is None:
            return None
        if self.saw_refusal:
            return Finished(FinishReason.REFUSAL, self.raw_finish)
        return Finished(_FINISH.get(self.raw_finish, FinishReason.OTHER), self.raw_finish)


def request_messages(request: ChatRequest) -> list[dict[str, str]]:
    """The Chat Completions `messages` list: the system prompt is the first message."""
    messages = [{"role": "system", "content": request.system}] if request.system else []
    messages.extend({"role": m.role, "content": m.content} for m in request.messages)
    return messages


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

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Stream one reply. See `tui.providers.events` for the guarantees."""
        endpoint = errors.Endpoint(self.name, self.base_url, request.model, self.api_key_env)
        return drive_stream(
            lambda: self._open(request),
            OpenAIChunkMapper(),
            sdk=openai,
            endpoint=endpoint,
            read_timeout=self.read_timeout,
        )

    async def _open(self, request: ChatRequest) -> Any:
        """Start the request; drop `stream_options` for servers that reject it."""
        if self._include_usage:
            try:
                return await self._create(request, include_usage=True)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                # Some older compatible servers reject `stream_options`: ask once more
                # without it, and remember. Any other 400 is the user's to see.
                if not _mentions_stream_options(exc):
                    raise
                self._include_usage = False
        return await self._create(request, include_usage=False)

    async def _create(self, request: ChatRequest, *, include_usage: bool) -> Any:
        kwargs: dict[str, Any] = {"model": request.model, "messages": request_messages(request)}
        if include_usage:
            kwargs["stream_options"] = {"include_usage": True}
        if request.max_tokens is not None:
            kwargs["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            kwargs["temperature"] = request.temperature
        if request.extra_headers:
            kwargs["extra_headers"] = dict(request.extra_headers)
        return await self._client.chat.completions.create(stream=True, **kwargs)


def _mentions_stream_options(exc: openai.APIStatusError) -> bool:
    text = f"{exc.message} {exc.body}".lower()
    return "stream_options" in text or "include_usage" in text
