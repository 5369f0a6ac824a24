"""The TOML layout of a conversation file, and conversion to and from `Conversation`.

TOML has no null, so absent values are left out rather than written as None.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tui.domain import Attachment, ChatMessage, Conversation, MessageStatus, Role, ToolCallRecord

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
    "error",
)


class SchemaError(ValueError):
    """The file parsed as TOML but is not a conversation this app can read."""


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
        out["tool_calls"] = [
            {"id": c.id, "name": c.name, "arguments": c.arguments} for c in message.tool_calls
        ]
    if message.alternatives:
        out["version"] = message.version
        out["alternatives"] = [_message_to_dict(m) for m in message.alternatives]
    if message.dropped:
        out["dropped_messages"] = message.dropped
    if message.attachments:
        out["attachments"] = [{"name": a.name, "text": a.text} for a in message.attachments]
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
            messages=[_message_from_dict(m) for m in data.get("messages", [])],
        )
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
        error=data.get("error"),
        tool_calls=[
            ToolCallRecord(str(c["id"]), str(c["name"]), str(c["arguments"]))
            for c in data.get("tool_calls", [])
        ],
        alternatives=[_message_from_dict(m) for m in data.get("alternatives", [])],
        version=int(data.get("version", 0)),
        dropped=int(data.get("dropped_messages", 0)),
        attachments=[
            Attachment(str(a["name"]), str(a["text"])) for a in data.get("attachments", [])
        ],
    )


def _optional(table: dict[str, Any], key: str, kind: type) -> Any:
    value = table.get(key)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise TypeError(f"{key} must be a {kind.__name__}, got {value!r}")
    return value


def _aware(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {value!r}")
    return value if value.tzinfo else value.replace(tzinfo=UTC)
