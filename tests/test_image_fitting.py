"""Images in requests without a server: fitting once, missing and broken blobs, the
tool step's images, Anthropic's merged turns, the vision table and image refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.image_helpers import (
    JPEG,
    PNG,
    WIDE,
    anthropic_block,
    config,
    conversation,
    keep,
    tool_reply,
    user,
)
from tests.picture_bytes import picture
from tui.domain import ChatMessage, ImageRef, Role, ToolResult
from tui.engine import ReplyRun, build_request, fitted_images, image_fit, new_reply
from tui.engine.state import ReplyState
from tui.engine.tool_step import ToolStep
from tui.images import Picture, fit, limits_for
from tui.providers import errors
from tui.providers.anthropic_msgs import request_messages
from tui.providers.base import ChatRequest, RequestImage, RequestMessage, RequestToolResult
from tui.providers.events import ToolCallDelta
from tui.providers.offline import OfflineProvider
from tui.store.blobs import BlobStore
from tui.tools.approval import Decision
from tui.vision import takes_images, warning


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    image_fit.clear_fitted()
    return BlobStore(tmp_path)


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


def _png_claiming(width: int, height: int) -> bytes:
    """A 1 by 1 PNG whose header claims `width` by `height` (a decompression bomb)."""
    import struct
    import zlib

    data = bytearray(picture(size=(1, 1)))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header) & 0xFFFFFFFF)
    return bytes(data)


def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded() -> None:
    from tui.images import ImageError, decode

    with pytest.raises(ImageError, match=r"bomb.png is 12000.7000 \(84 megapixels\)"):
        decode(_png_claiming(12000, 7000), "bomb.png")


def test_a_phone_photo_is_scaled_the_way_up_it_was_taken() -> None:
    import io

    from PIL import Image

    from tui.images import ImageLimits, decode, fit

    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # turned a quarter: the camera was held upright
    Image.new("RGB", (400, 300), "red").save(out, "JPEG", exif=exif)
    photo = decode(out.getvalue(), "photo.jpg")
    assert (photo.width, photo.height) == (300, 400)
    fitted = fit(photo, ImageLimits(200, 10**9))
    assert (fitted.width, fitted.height) == (150, 200)


def test_a_16_bit_grey_png_keeps_its_tones_when_scaled() -> None:
    import io

    from PIL import Image

    from tui.images import ImageLimits, decode, fit

    out = io.BytesIO()
    Image.new("I;16", (300, 10), 30000).save(out, "PNG")
    fitted = fit(decode(out.getvalue(), "grey.png"), ImageLimits(100, 10**9))
    with Image.open(io.BytesIO(fitted.data)) as scaled:
        value = scaled.convert("L").getpixel((5, 1))
    assert isinstance(value, int)
    assert 100 < value < 130  # 30000 of 65535 is mid grey, not white
