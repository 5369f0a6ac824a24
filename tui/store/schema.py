"""The TOML layout of a conversation file, and conversion to and from `Conversation`.

TOML has no null, so absent values are left out rather than written as None. Tool
calls, their results and a reply's earlier rounds (`[[messages.steps]]`) were added to
format 1 without a new number, and so were images (`images = [{ sha256 = "…", … }]` on a
message or a call's result, naming a blob by its full digest): every field is optional
and a file without them reads as before.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tui.domain import (
    Attachment,
    ChatMessage,
    Conversation,
    ImageRef,
    MessageStatus,
    Role,
    ToolCallRecord,
    ToolResult,
    ToolStep,
)

SCHEMA_VERSION = 1


class _Stamp(datetime):
    """A UTC datetime that tomli-w writes in ISO 8601 form: `2026-11-24T19:43:58.91Z`."""

    def __str__(self) -> str:
        return self.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _stamp(moment: datetime) -> _Stamp:
    return _Stamp.fromtimestamp(moment.timestamp(), UTC).replace(microsecond=moment.microsecond)


_OPTIONAL_MESSAGE_FIELDS = (
    "provider",
    "model",
    "finish_reason",
    "raw_finish_reason",
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "cost_usd",
    "error",
)


class SchemaError(ValueError):
    """The file parsed as TOML but is not a conversation this app can read."""


def known_cost(conv: Conversation) -> float | None:
    """What the conversation's replies cost, summed over those whose cost is known."""
    costs = [m.cost_usd for m in conv.messages if m.cost_usd is not None]
    return round(sum(costs), 10) if costs else None  # no 0.30000000000000004 in the file


def conversation_to_dict(conv: Conversation) -> dict[str, Any]:
    """The plain dict that `tomli_w` writes for `conv`."""
    head: dict[str, Any] = {
        "id": conv.id,
        "title": conv.title,
        "provider": conv.provider,
        "model": conv.model,
        "created": _stamp(conv.created_at),
        "updated": _stamp(conv.updated_at),
    }
    if conv.system_prompt is not None:
        head["system_prompt"] = conv.system_prompt
    if conv.reasoning_effort is not None:
        head["reasoning_effort"] = conv.reasoning_effort
    if conv.thinking_budget is not None:
        head["thinking_budget"] = conv.thinking_budget
    if conv.disabled_tools:
        head["disabled_tools"] = list(conv.disabled_tools)
    # Derived, for listing without reading the messages (`tui-chat ls`); never read back.
    head["message_count"] = len(conv.messages)
    if (cost := known_cost(conv)) is not None:
        head["cost_usd"] = cost
    return {
        "schema": SCHEMA_VERSION,
        "conversation": head,
        "messages": [_message_to_dict(m) for m in conv.messages],
    }


def _message_to_dict(message: ChatMessage) -> dict[str, Any]:
    out: dict[str, Any] = {
        "role": str(message.role),
        "created": _stamp(message.created_at),
        "content": message.content,
    }
    if message.reasoning:
        out["reasoning"] = message.reasoning
    if message.refusal:
        out["refusal"] = message.refusal
    if message.status is not MessageStatus.DONE:
        out["status"] = str(message.status)
    for name in _OPTIONAL_MESSAGE_FIELDS:
        value = getattr(message, name)
        if value is not None:
            out[name] = value
    if message.tool_calls:
        out["tool_calls"] = [_call_to_dict(c) for c in message.tool_calls]
    if message.steps:
        out["steps"] = [_step_to_dict(s) for s in message.steps]
    if message.alternatives:
        out["version"] = message.version
        out["alternatives"] = [_message_to_dict(m) for m in message.alternatives]
    if message.dropped:
        out["dropped_messages"] = message.dropped
    if message.attachments:
        out["attachments"] = [{"name": a.name, "text": a.text} for a in message.attachments]
    if message.images:
        out["images"] = [_image_to_dict(i) for i in message.images]
    return out


def _image_to_dict(image: ImageRef) -> dict[str, Any]:
    """An image as one short inline table: the blob's full digest and what it holds."""
    return {
        "sha256": image.sha256,
        "name": image.name,
        "media_type": image.media_type,
        "bytes": image.size,
        "width": image.width,
        "height": image.height,
    }


def _step_to_dict(step: ToolStep) -> dict[str, Any]:
    out: dict[str, Any] = {"text": step.text}
    if step.reasoning:
        out["reasoning"] = step.reasoning
    if step.calls:
        out["calls"] = [_call_to_dict(c) for c in step.calls]
    return out


def _call_to_dict(call: ToolCallRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"id": call.id, "name": call.name, "arguments": call.arguments}
    if call.server:
        out["server"] = call.server
    if call.tool and call.tool != call.name:
        out["tool"] = call.tool
    if call.result is not None:
        out["result"] = call.result.text
        if call.result.is_error:
            out["is_error"] = True
        if call.result.duration_s is not None:
            out["duration_s"] = call.result.duration_s
        if call.result.images:
            out["images"] = [_image_to_dict(i) for i in call.result.images]
    return out


def conversation_from_dict(data: dict[str, Any]) -> Conversation:
    """Rebuild a `Conversation` from a parsed file.

    Raises:
        SchemaError: required fields are missing or of the wrong type.
    """
    try:
        head = data["conversation"]
        return Conversation(
            id=str(head["id"]),
            title=str(head.get("title", "")),
            provider=str(head.get("provider", "")),
            model=str(head.get("model", "")),
            created_at=_aware(head["created"]),
            updated_at=_aware(head.get("updated", head["created"])),
            system_prompt=head.get("system_prompt"),
            reasoning_effort=_optional(head, "reasoning_effort", str),
            thinking_budget=_optional(head, "thinking_budget", int),
            disabled_tools=[str(key) for key in _list(head, "disabled_tools")],
            messages=[_message_from_dict(m) for m in data.get("messages", [])],
        )
    except SchemaError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaError(f"not a conversation file: {type(exc).__name__}: {exc}") from None


def _message_from_dict(data: dict[str, Any]) -> ChatMessage:
    return ChatMessage(
        role=Role(data["role"]),
        content=str(data.get("content", "")),
        created_at=_aware(data["created"]),
        provider=data.get("provider"),
        model=data.get("model"),
        reasoning=data.get("reasoning", ""),
        refusal=data.get("refusal", ""),
        status=MessageStatus(data.get("status", MessageStatus.DONE)),
        finish_reason=data.get("finish_reason"),
        raw_finish_reason=data.get("raw_finish_reason"),
        input_tokens=data.get("input_tokens"),
        output_tokens=data.get("output_tokens"),
        reasoning_tokens=data.get("reasoning_tokens"),
        cached_input_tokens=_optional(data, "cached_input_tokens", int),
        cache_write_tokens=_optional(data, "cache_write_tokens", int),
        cost_usd=_cost(data),
        error=data.get("error"),
        tool_calls=[_call_from_dict(c) for c in _list(data, "tool_calls")],
        steps=[_step_from_dict(s) for s in _list(data, "steps")],
        alternatives=[_message_from_dict(m) for m in data.get("alternatives", [])],
        version=int(data.get("version", 0)),
        dropped=int(data.get("dropped_messages", 0)),
        attachments=[
            Attachment(str(a["name"]), str(a["text"])) for a in data.get("attachments", [])
        ],
        images=[_image_from_dict(i) for i in _list(data, "images")],
    )


def _cost(data: dict[str, Any]) -> float | None:
    """A reply's `cost_usd`: a number of dollars (`0` and `0.0` alike), or absent."""
    cost = _optional(data, "cost_usd", (int, float))
    return None if cost is None else float(cost)


_SHA256 = re.compile(r"[0-9a-f]{64}")


def _image_from_dict(data: Any) -> ImageRef:
    """An image reference, checked: its digest names a blob, so it must be exact."""
    if not isinstance(data, dict):
        raise TypeError(f"an image must be a table, got {data!r}")
    digest = data["sha256"]
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise SchemaError(f"image sha256 must be 64 lowercase hex digits, got {digest!r}")
    size, width, height = (_count(data, key) for key in ("bytes", "width", "height"))
    return ImageRef(digest, str(data["name"]), str(data["media_type"]), size, width, height)


def _count(table: dict[str, Any], key: str) -> int:
    value = table[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(f"image {key} must be a whole number, got {value!r}")
    return value


def _step_from_dict(data: dict[str, Any]) -> ToolStep:
    return ToolStep(
        text=str(data.get("text", "")),
        calls=[_call_from_dict(c) for c in _list(data, "calls")],
        reasoning=str(data.get("reasoning", "")),
    )


def _call_from_dict(data: dict[str, Any]) -> ToolCallRecord:
    """A call as written now, or as older files have it (`id`, `name`, `arguments`)."""
    result = None
    if "result" in data:
        is_error = data.get("is_error", False)
        if not isinstance(is_error, bool):
            raise TypeError(f"is_error must be true or false, got {is_error!r}")
        duration = _optional(data, "duration_s", (int, float))
        result = ToolResult(
            str(data["result"]),
            is_error,
            None if duration is None else float(duration),
            [_image_from_dict(i) for i in _list(data, "images")],
        )
    return ToolCallRecord(
        id=str(data["id"]),
        name=str(data["name"]),
        arguments=str(data["arguments"]),
        server=str(data.get("server", "")),
        tool=str(data.get("tool", "")),
        result=result,
    )


def _list(table: dict[str, Any], key: str) -> list[Any]:
    value = table.get(key, [])
    if not isinstance(value, list):
        raise TypeError(f"{key} must be a list, got {value!r}")
    return value


def _optional(table: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = table.get(key)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        names = "/".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise TypeError(f"{key} must be a {names}, got {value!r}")
    return value


def _aware(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {value!r}")
    return value if value.tzinfo else value.replace(tzinfo=UTC)
