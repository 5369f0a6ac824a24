"""What a model is sent for a tool's result: plain text, bounded in size.

Models take text, so every kind of MCP content becomes some: an image or audio clip is
named and measured rather than pasted as base64 (which would only waste the context),
a resource is its text or its address. Results are cut at `RESULT_LIMIT` characters with
a note saying so, because a tool that dumps a whole file would otherwise fill the context
window (and the saved conversation) in one call. Making the text safe to draw in a
terminal is the UI's job, not this module's.

The MCP SDK is never imported here: content is read by its `type` field, so the hub
(which uses `cut_for_model`) costs nothing when no server is configured.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp_types import CallToolResult

RESULT_LIMIT = 32_000
"""The most characters of one tool result a model is sent."""


def result_text(result: CallToolResult) -> str:
    """The text of `result` for the model: its content blocks, separated by blank lines.

    With no content blocks but structured content, the structured content as JSON.
    """
    parts = [_block_text(block) for block in result.content]
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False, default=str))
    return "\n\n".join(parts)


def result_images(result: CallToolResult) -> list[tuple[str, bytes]]:
    """The images among `result`'s content blocks, as (media type, bytes); blocks whose
    data is not base64 are left out (their text note stays)."""
    from mcp_types import ImageContent  # loaded already: a result came from the SDK

    images = []
    for block in result.content:
        if isinstance(block, ImageContent):
            try:
                images.append((block.mime_type, base64.b64decode(block.data, validate=True)))
            except (binascii.Error, ValueError):
                continue
    return images


def _block_text(block: Any) -> str:
    """One content block as text (by its `type`, so unknown kinds still say what they are)."""
    kind = getattr(block, "type", "")
    if kind == "text":
        return str(block.text)
    if kind in ("image", "audio"):
        return f"[{kind}: {block.mime_type}, {_base64_size(block.data):,} bytes]"
    if kind == "resource":
        resource = block.resource
        text = getattr(resource, "text", None)
        if text is not None:
            return str(text)
        mime = getattr(resource, "mime_type", None) or "binary"
        size = _base64_size(getattr(resource, "blob", ""))
        return f"[resource {resource.uri}: {mime}, {size:,} bytes]"
    if kind == "resource_link":
        return str(block.uri)
    return f"[{kind or 'unknown'} content]"


def _base64_size(data: str) -> int:
    """How many bytes base64 `data` decodes to (without decoding it)."""
    data = data.strip()
    return max(0, len(data) * 3 // 4 - data[-2:].count("="))


def cut_for_model(text: str) -> str:
    """`text` without NUL bytes and, past `RESULT_LIMIT` characters, cut with a note.

    NULs go because no API takes them in JSON strings and a terminal would drop them.
    """
    text = text.replace("\x00", "")
    if len(text) <= RESULT_LIMIT:
        return text
    note = (
        f"[… cut: the tool returned {len(text):,} characters; the first {RESULT_LIMIT:,} are shown]"
    )
    return f"{text[:RESULT_LIMIT]}\n\n{note}"
