"""Images in requests: the history's images read from the blob store, fitted to each
provider's limits, and sent in each API's shape through the real SDK clients to the
scripted model in tests/tool_model.py (which describes every image it received)."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from tests.image_helpers import (
    JPEG,
    PNG,
    TOOLS,
    WIDE,
    anthropic_block,
    config,
    conversation,
    described,
    keep,
    openai_part,
    tool_reply,
    user,
)
from tests.replay_server import ReplayServer, load_cases
from tests.tool_model import ToolModelServer
from tui.domain import ChatMessage, ImageRef, Role
from tui.engine import build_request, fitted_images, image_fit, scaled_notice
from tui.engine.state import ReplyState
from tui.providers.anthropic_msgs import AnthropicProvider
from tui.providers.base import ChatRequest, RequestMessage
from tui.providers.events import ErrorKind, Finished, StreamError
from tui.providers.openai_chat import OpenAIChatProvider
from tui.store.blobs import BlobStore


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    image_fit.clear_fitted()
    return BlobStore(tmp_path)


@pytest.fixture
async def model() -> AsyncIterator[ToolModelServer]:
    server = ToolModelServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def send(server: ToolModelServer, kind: str, request: ChatRequest) -> ReplyState:
    """One reply through the real SDK client; it must end well, once."""
    adapter: OpenAIChatProvider | AnthropicProvider
    if kind == "openai":
        adapter = OpenAIChatProvider(name=kind, base_url=server.url(openai=True), api_key="x")
    else:
        adapter = AnthropicProvider(name=kind, base_url=server.url(openai=False), api_key="x")
    try:
        events = [event async for event in adapter.stream(request)]
    finally:
        await adapter.aclose()
    assert not [e for e in events if isinstance(e, StreamError)]
    assert sum(isinstance(e, Finished) for e in events) == 1
    state = ReplyState()
    for event in events:
        state.apply(event)
    return state


async def test_openai_sends_every_turns_images_byte_for_byte(
    model: ToolModelServer, store: BlobStore
) -> None:
    conv = conversation(
        user("What are these?", keep(store, PNG, "a.png"), keep(store, JPEG, "b.jpg")),
        ChatMessage(Role.ASSISTANT, "A red and a blue square."),
        user("And this?", keep(store, PNG, "again.png")),
    )
    state = await send(model, "openai", build_request(conv, config("openai"), images=store.read))
    (body,) = model.requests
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What are these?"},
                openai_part("image/png", PNG),
                openai_part("image/jpeg", JPEG),
            ],
        },
        {"role": "assistant", "content": "A red and a blue square."},
        {
            "role": "user",
            "content": [{"type": "text", "text": "And this?"}, openai_part("image/png", PNG)],
        },
    ]
    assert state.text == (
        described(1, "image/png", PNG)
        + described(2, "image/jpeg", JPEG)
        + described(3, "image/png", PNG)
        + "ok: And this?"
    )


async def test_anthropic_sends_image_blocks_after_the_text(
    model: ToolModelServer, store: BlobStore
) -> None:
    conv = conversation(
        user("What are these?", keep(store, PNG, "a.png"), keep(store, JPEG, "b.jpg")),
        ChatMessage(Role.ASSISTANT, "Squares."),
        user("", keep(store, PNG, "only.png")),  # an image with no words
    )
    request = build_request(conv, config("anthropic"), images=store.read)
    state = await send(model, "anthropic", request)
    (body,) = model.requests
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What are these?"},
                anthropic_block("image/png", PNG),
                anthropic_block("image/jpeg", JPEG),
            ],
        },
        {"role": "assistant", "content": "Squares."},
        {"role": "user", "content": [anthropic_block("image/png", PNG)]},
    ]
    # The scripted model answers the last user message with text (see tool_model).
    assert state.text == (
        described(1, "image/png", PNG)
        + described(2, "image/jpeg", JPEG)
        + described(3, "image/png", PNG)
        + "ok: What are these?"
    )


async def test_a_text_only_history_keeps_plain_string_content(model: ToolModelServer) -> None:
    conv = conversation(user("hello"))
    await send(model, "openai", build_request(conv, config("openai"), images=lambda ref: None))
    assert model.requests[0]["messages"] == [{"role": "user", "content": "hello"}]


async def test_an_oversized_image_is_scaled_for_openai_but_not_for_anthropic(
    model: ToolModelServer, store: BlobStore
) -> None:
    ref = keep(store, WIDE, "wide.png")
    conv = conversation(user("Read the banner.", ref))

    scaled = fitted_images(conv, config("openai"), store.read)
    assert [(r, p.width, p.height, p.media_type) for r, p in scaled] == [
        (ref, 2048, 68, "image/png")
    ]
    assert scaled_notice(*scaled[0], "openai") == (
        "wide.png was scaled down to 2048\u00d768 for openai."
    )
    assert fitted_images(conv, config("anthropic"), store.read) == []

    openai_state = await send(
        model, "openai", build_request(conv, config("openai"), images=store.read)
    )
    anthropic_state = await send(
        model, "anthropic", build_request(conv, config("anthropic"), images=store.read)
    )
    openai_body, anthropic_body = model.requests
    url = openai_body["messages"][0]["content"][1]["image_url"]["url"]
    sent = base64.b64decode(url.removeprefix("data:image/png;base64,"))
    assert sent == scaled[0][1].data  # what was reported is what went
    with Image.open(io.BytesIO(sent)) as image:
        assert image.size == (2048, 68)
    assert openai_state.text.startswith(described(1, "image/png", sent))
    block = anthropic_body["messages"][0]["content"][1]
    assert block == anthropic_block("image/png", WIDE)  # byte for byte
    assert anthropic_state.text.startswith(described(1, "image/png", WIDE))


async def test_a_missing_blob_is_a_note_in_its_turn(
    model: ToolModelServer, store: BlobStore
) -> None:
    kept = keep(store, PNG, "kept.png")
    gone = ImageRef("0" * 64, "gone.png", "image/png", 10, 1, 1)
    conv = conversation(user("Look.", gone, kept))
    await send(model, "openai", build_request(conv, config("openai"), images=store.read))
    await send(model, "anthropic", build_request(conv, config("anthropic"), images=store.read))
    openai_body, anthropic_body = model.requests
    assert openai_body["messages"][0]["content"] == [
        {"type": "text", "text": "Look.\n\n[image missing: gone.png]"},
        openai_part("image/png", PNG),
    ]
    assert anthropic_body["messages"][0]["content"] == [
        {"type": "text", "text": "Look.\n\n[image missing: gone.png]"},
        anthropic_block("image/png", PNG),
    ]
    # Without a loader nothing is read: every image is a note, the body plain text.
    plain = build_request(conv, config("openai"))
    assert plain.messages == (
        RequestMessage("user", "Look.\n\n[image missing: gone.png]\n\n[image missing: kept.png]"),
    )


async def test_anthropic_sends_tool_result_images_in_the_result(
    model: ToolModelServer, store: BlobStore
) -> None:
    ref = keep(store, PNG, "screenshot")
    conv = conversation(user("Take a screenshot."), tool_reply(ref), user("What is on it?"))
    request = replace(build_request(conv, config("anthropic"), images=store.read), tools=TOOLS)
    state = await send(model, "anthropic", request)
    (body,) = model.requests
    assert body["messages"][1:] == [
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "screenshot", "input": {}}],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_1",
                    "content": [
                        {"type": "text", "text": "Here it is."},
                        anthropic_block("image/png", PNG),
                    ],
                },
                {"type": "text", "text": "What is on it?"},
            ],
        },
    ]
    assert state.text == described(1, "image/png", PNG) + "ok: What is on it?"


async def test_openai_tool_results_say_an_image_could_not_go(
    model: ToolModelServer, store: BlobStore
) -> None:
    conv = conversation(user("Take a screenshot."), tool_reply(keep(store, PNG, "shot")))
    request = replace(build_request(conv, config("openai"), images=store.read), tools=TOOLS)
    await send(model, "openai", request)
    tool_message = model.requests[0]["messages"][2]
    assert tool_message == {
        "role": "tool",
        "tool_call_id": "toolu_1",
        "content": (
            f"Here it is.\n\n[the tool returned an image: image/png, {len(PNG)} bytes; "
            "it cannot be sent in a tool result to this API]"
        ),
    }


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_without_tools_a_results_images_go_with_its_text(
    model: ToolModelServer, store: BlobStore, kind: str
) -> None:
    conv = conversation(user("Shoot."), tool_reply(keep(store, JPEG, "shot"), ""))
    state = await send(model, kind, build_request(conv, config(kind), images=store.read))
    last = model.requests[0]["messages"][-1]
    text = "[screenshot returned: ]"
    if kind == "openai":
        assert last == {
            "role": "user",
            "content": [{"type": "text", "text": text}, openai_part("image/jpeg", JPEG)],
        }
    else:
        assert last == {
            "role": "user",
            "content": [{"type": "text", "text": text}, anthropic_block("image/jpeg", JPEG)],
        }
    assert state.text.startswith(described(1, "image/jpeg", JPEG))


async def test_a_server_refusing_images_is_said_in_plain_words(replay: ReplayServer) -> None:
    case = load_cases()["openai_http_400_image"]
    adapter = OpenAIChatProvider(
        name="openai", base_url=replay.url(case.name, openai=True), api_key="x"
    )
    request = ChatRequest(model="gpt-3.5-turbo", messages=(RequestMessage("user", "hi"),))
    try:
        events = [e async for e in adapter.stream(request)]
    finally:
        await adapter.aclose()
    error = events[0]
    assert isinstance(error, StreamError)
    assert (error.kind, error.status) == (ErrorKind.BAD_REQUEST, 400)
    assert error.message == (
        "openai: 'gpt-3.5-turbo' refused the message's images (HTTP 400); it may not take "
        "images. Send it without them, or pick a model that reads images. The server said: "
        "Invalid content type. image_url is only supported by certain models."
    )
    assert len(replay.requests) == 1  # a refusal is not retried by the adapter
