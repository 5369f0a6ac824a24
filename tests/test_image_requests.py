"""Images in requests: the history's images read from the blob store, fitted to each
provider's limits, and sent in each API's shape through the real SDK clients to the
scripted model in tests/tool_model.py (which describes every image it received)."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.replay_server import ReplayServer, load_cases
from tests.tool_model import ToolModelServer
from tui.config import ProviderConfig
from tui.domain import ChatMessage, Conversation, ImageRef, Role, ToolCallRecord, ToolResult
from tui.engine import ReplyRun, build_request, fitted_images, image_fit, new_reply, scaled_notice
from tui.engine.state import ReplyState
from tui.engine.tool_step import ToolStep
from tui.images import Picture, decode, fit, limits_for
from tui.providers import errors
from tui.providers.anthropic_msgs import AnthropicProvider, request_messages
from tui.providers.base import (
    ChatRequest,
    RequestImage,
    RequestMessage,
    RequestToolResult,
    ToolDefinition,
)
from tui.providers.events import ErrorKind, Finished, StreamError, ToolCallDelta
from tui.providers.offline import OfflineProvider
from tui.providers.openai_chat import OpenAIChatProvider
from tui.store.blobs import BlobStore
from tui.tools.approval import Decision
from tui.vision import takes_images, warning

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


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    image_fit.clear_fitted()
    return BlobStore(tmp_path)


def keep(store: BlobStore, data: bytes, name: str) -> ImageRef:
    picture = decode(data, name)
    return picture.ref(store.put(data, picture.media_type), name)


@pytest.fixture
async def model() -> AsyncIterator[ToolModelServer]:
    server = ToolModelServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def config(kind: str) -> ProviderConfig:
    return ProviderConfig(kind, "openai" if kind == "openai" else "anthropic", "tool-model")


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


def test_fitting_is_done_once_per_image_and_provider(
    store: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    fits: list[tuple[int, int]] = []
    real = fit

    def counting(picture: Picture, limits: Any) -> Picture:
        fits.append((picture.width, picture.height))
        return real(picture, limits)

    monkeypatch.setattr("tui.engine.image_fit.fit", counting)
    reads: list[str] = []

    def read(ref: ImageRef) -> bytes | None:
        reads.append(ref.name)
        return store.read(ref)

    conv = conversation(user("one", keep(store, WIDE, "wide.png"), keep(store, PNG, "a.png")))
    first = build_request(conv, config("openai"), images=read)
    conv.add(ChatMessage(Role.ASSISTANT, "ok"))
    conv.add(user("two"))
    second = build_request(conv, config("openai"), images=read)
    assert fits == [(3000, 100)]  # the second request reused the fitted image
    assert reads == ["wide.png", "a.png", "a.png"]  # an image within the limits is reread
    assert first.messages[0].images == second.messages[0].images
    build_request(conv, config("anthropic"), images=read)
    assert fits == [(3000, 100)]  # within Anthropic's limits: not fitted at all


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


def tool_reply(ref: ImageRef, text: str = "Here it is.") -> ChatMessage:
    result = ToolResult(text, images=[ref])
    call = ToolCallRecord("toolu_1", "screenshot", "{}", result=result)
    return ChatMessage(Role.ASSISTANT, "", tool_calls=[call])


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


def test_merged_anthropic_turns_keep_images_in_order_and_results_first() -> None:
    red, blue = RequestImage("image/png", PNG), RequestImage("image/jpeg", JPEG)
    result = RequestToolResult("t1", "screenshot", "", images=(blue,))
    merged = request_messages(
        (
            RequestMessage("user", "a", images=(red,)),
            RequestMessage("user", "b", images=(blue, red)),
            RequestMessage("assistant", "x"),
            RequestMessage("user", "c", images=(red,)),
            RequestMessage("tool", "", tool_results=(result,)),
        )
    )
    assert merged == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "a"},
                anthropic_block("image/png", PNG),
                {"type": "text", "text": "b"},
                anthropic_block("image/jpeg", JPEG),
                anthropic_block("image/png", PNG),
            ],
        },
        {"role": "assistant", "content": "x"},
        {
            "role": "user",
            "content": [
                # An image-only result has no (empty) text block.
                {
                    "type": "tool_result",
                    "tool_use_id": "t1",
                    "content": [anthropic_block("image/jpeg", JPEG)],
                },
                {"type": "text", "text": "c"},
                anthropic_block("image/png", PNG),
            ],
        },
    ]


class NoTools:
    async def call(self, tool: Any, arguments: dict[str, Any]) -> ToolResult:
        raise AssertionError("not called")


async def no_approval(call: Any, tool: Any) -> Decision:
    raise AssertionError("not asked")


def test_the_tool_step_sends_the_images_tools_returned(store: BlobStore) -> None:
    provider = config("anthropic")
    conv = conversation(user("Shoot."))
    run = ReplyRun(conv, conv.add(new_reply(provider)), provider, build_request(conv, provider))
    run.state.apply(ToolCallDelta(0, "toolu_0", "screenshot", "{}"))
    ref = keep(store, WIDE, "screenshot")
    run.state.tool_calls[0].result = ToolResult("done", images=[ref])

    with_loader = ToolStep(NoTools(), [], no_approval, images=store.read).next_request(run)
    tool_turn = with_loader.messages[-1]
    assert tool_turn.role == "tool"
    (result,) = tool_turn.tool_results
    assert result.images == (RequestImage("image/png", WIDE),)  # within Anthropic's limits

    without = ToolStep(NoTools(), [], no_approval).next_request(run)
    (result,) = without.messages[-1].tool_results
    assert (result.text, result.images) == ("done\n\n[image missing: screenshot]", ())


def test_openai_limits_fit_a_tool_image_too(store: BlobStore) -> None:
    provider = config("openai")
    conv = conversation(user("Shoot."), tool_reply(keep(store, WIDE, "shot")))
    ((ref, picture),) = fitted_images(conv, provider, store.read)
    assert ref.name == "shot"
    assert max(picture.width, picture.height) == limits_for("openai").max_side


async def test_the_offline_guide_counts_the_images() -> None:
    request = ChatRequest(
        model="offline-guide",
        messages=(RequestMessage("user", "see", images=(RequestImage("image/png", PNG),) * 2),),
    )
    events = [e async for e in OfflineProvider(chunk_delay=0).stream(request)]
    state = ReplyState()
    for event in events:
        state.apply(event)
    assert "With 2 images, which I cannot look at." in state.text


@pytest.mark.parametrize(
    ("kind", "model", "takes"),
    [
        ("openai", "gpt-4o-mini", True),
        ("openai", "gpt-3.5-turbo", False),
        ("openai", "openai/gpt-3.5-turbo-0125", False),
        ("openai", "o3-mini", False),
        ("openai", "o1-mini-2024-09-12", False),
        ("openai", "o3", True),
        ("openai", "deepseek-chat", False),
        ("openai", "deepseek-reasoner", False),
        ("openai", "text-davinci-003", False),
        ("openai", "llava:13b", True),  # unknown local models are assumed to take them
        ("anthropic", "claude-2.1", False),
        ("anthropic", "claude-instant-1.2", False),
        ("anthropic", "claude-sonnet-4-5", True),
        ("offline", "offline-guide", True),
    ],
)
def test_the_vision_table(kind: Any, model: str, takes: bool) -> None:
    assert takes_images(kind, model) is takes


def test_the_vision_warning_is_one_sentence_naming_the_model() -> None:
    assert warning("gpt-3.5-turbo", 2) == (
        "gpt-3.5-turbo does not take images, so its server will likely refuse 2 images: "
        "send without, or pick a model that reads images."
    )
    assert "refuse an image" in warning("o3-mini")


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


@pytest.mark.parametrize(
    ("status", "said", "about_images"),
    [
        (400, "model does not support image input", True),
        (400, "image input is not supported - hint: you may need to provide the mmproj", True),
        (400, "Qwen/Qwen2.5-7B is not a multimodal model", True),
        (404, "No endpoints found that support image input", True),
        (422, "unknown variant `image_url`, expected `text`", True),
        (400, "temperature must be at most 2", False),
        (404, "The model `m` does not exist", False),
    ],
)
def test_image_refusals_are_told_apart(status: int, said: str, about_images: bool) -> None:
    endpoint = errors.Endpoint("local", "http://127.0.0.1:1/v1", "m", None)
    error = errors.http_error(status, {"message": said}, {}, endpoint)
    assert ("refused the message's images" in error.message) is about_images
    assert said in error.message


def test_images_of_a_dropped_message_are_not_read(store: BlobStore) -> None:
    reads: list[str] = []

    def read(ref: ImageRef) -> bytes | None:
        reads.append(ref.name)
        return store.read(ref)

    conv = conversation(
        user("old", keep(store, PNG, "old.png")),
        ChatMessage(Role.ASSISTANT, "ok"),
        user("new", keep(store, JPEG, "new.jpg")),
    )
    request = build_request(conv, config("openai"), drop=2, images=read)
    assert reads == ["new.jpg"]
    assert [len(m.images) for m in request.messages] == [1]


def test_a_blob_that_no_longer_decodes_is_a_note_not_a_crash() -> None:
    image_fit.clear_fitted()
    huge = ImageRef("1" * 64, "broken.png", "image/png", 9, 5000, 5000)  # needs fitting
    conv = conversation(user("Look.", huge))
    request = build_request(conv, config("openai"), images=lambda ref: b"\x89PNG\r\n\x1a\nbad")
    assert request.messages == (RequestMessage("user", "Look.\n\n[image unreadable: broken.png]"),)
    assert fitted_images(conv, config("openai"), lambda ref: b"not an image") == []
