"""Images made for the tests (Pillow), kept as blobs, and the conversations and body
parts the image tests build and expect."""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

from PIL import Image

from tui.config import ProviderConfig
from tui.domain import ChatMessage, Conversation, ImageRef, Role, ToolCallRecord, ToolResult
from tui.images import decode
from tui.providers.base import ToolDefinition
from tui.store.blobs import BlobStore

TOOLS = (ToolDefinition("screenshot", "Take a screenshot.", {"type": "object"}),)


def encoded(size: tuple[int, int], fmt: str = "PNG", color: str = "red") -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def striped(width: int, height: int) -> bytes:
    """A PNG that does not compress to nothing (so scaling it changes its bytes)."""
    image = Image.new("RGB", (width, height))
    image.putdata(
        [
            ((x * 7) % 256, (x * 13) % 256, (y * 29) % 256)
            for y in range(height)
            for x in range(width)
        ]
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


PNG = encoded((3, 2))
JPEG = encoded((4, 4), "JPEG", "blue")
WIDE = striped(3000, 100)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def described(k: int, media: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()[:12]
    return f"IMAGE#{k} {media} {len(data)} bytes sha256:{digest}\n\n"


def keep(store: BlobStore, data: bytes, name: str) -> ImageRef:
    picture = decode(data, name)
    return picture.ref(store.put(data, picture.media_type), name)


def config(kind: str) -> ProviderConfig:
    """A provider of `kind`, without prompt caching: these tests check the shape of
    images in a body (the cache marks are tested in tests/test_cost_usage.py)."""
    return ProviderConfig(
        kind, "openai" if kind == "openai" else "anthropic", "tool-model", prompt_caching=False
    )


def conversation(*messages: ChatMessage) -> Conversation:
    conv = Conversation.start("p", "tool-model")
    for message in messages:
        conv.add(message)
    return conv


def user(text: str, *images: ImageRef) -> ChatMessage:
    return ChatMessage(Role.USER, text, images=list(images))


def openai_part(media: str, data: bytes) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": f"data:{media};base64,{b64(data)}"}}


def anthropic_block(media: str, data: bytes) -> dict[str, Any]:
    return {"type": "image", "source": {"type": "base64", "media_type": media, "data": b64(data)}}


def tool_reply(ref: ImageRef, text: str = "Here it is.") -> ChatMessage:
    result = ToolResult(text, images=[ref])
    call = ToolCallRecord("toolu_1", "screenshot", "{}", result=result)
    return ChatMessage(Role.ASSISTANT, "", tool_calls=[call])
