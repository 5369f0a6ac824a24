"""The images in a request body, read the way a model server would (both APIs)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from typing import Any


def _image_parts(content: Any) -> Iterator[tuple[str, str]]:
    """(media type, base64 data) of each image part in a message's content, in order."""
    for part in content if isinstance(content, list) else ():
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "image_url":
            found = re.match(r"data:([^;,]+);base64,(.*)$", part["image_url"]["url"], re.S)
            yield (found.group(1), found.group(2)) if found else ("url", "")
        elif kind == "image":
            yield part["source"].get("media_type", "?"), part["source"].get("data", "")
        elif kind == "tool_result":
            yield from _image_parts(part.get("content"))


def describe_images(messages: list[dict[str, Any]]) -> str:
    """One `IMAGE#k` line (and a blank line) per image of the request."""
    found = [i for m in messages for i in _image_parts(m.get("content"))]
    lines = []
    for k, (media, text) in enumerate(found, 1):
        data = base64.b64decode(text)
        digest = hashlib.sha256(data).hexdigest()[:12]
        lines.append(f"IMAGE#{k} {media} {len(data)} bytes sha256:{digest}\n\n")
    return "".join(lines)
