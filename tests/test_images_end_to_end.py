"""Images from the box (or `ask -f`, or a tool) to the model and back, through the real
SDK clients against the scripted model on 127.0.0.1, which describes every image it
receives (`IMAGE#1 image/png 77 bytes sha256:<12 hex>`)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.cli_runner import run_main
from tests.helpers import call_blocks, saved, settle, type_text
from tests.mcp_helpers import toolbox_config
from tests.picture_bytes import picture
from tests.test_ask_tools import write_config
from tests.tool_model import ToolModelServer
from tests.tools_app import tools_app, tools_ready

SIZE = (120, 40)


@pytest.fixture
async def model() -> AsyncIterator[ToolModelServer]:
    server = ToolModelServer()
    await server.start()
    yield server
    await server.stop()


def described(data: bytes, k: int = 1, media: str = "image/png") -> str:
    return f"IMAGE#{k} {media} {len(data)} bytes sha256:{hashlib.sha256(data).hexdigest()[:12]}"


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_an_attached_image_reaches_the_model_and_goes_again_with_the_history(
    tmp_path: Path, model: ToolModelServer, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.chdir(tmp_path)
    data = picture(size=(40, 30))
    (tmp_path / "photo.png").write_bytes(data)
    app = tools_app(tmp_path, model, [], kind=kind)
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "what is @photo.png")
        await pilot.press("enter")
        await settle(app, pilot)
        await type_text(pilot, "and now")
        await pilot.press("enter")
        await settle(app, pilot)
    (conv,) = saved(tmp_path)
    first, second = conv["messages"][1]["content"], conv["messages"][3]["content"]
    assert first.startswith(described(data))
    assert second.startswith(described(data))  # the earlier turn's image, sent again
    [ref] = conv["messages"][0]["images"]
    assert ref["sha256"] == hashlib.sha256(data).hexdigest()
    assert (tmp_path / "data" / "blobs" / "sha256" / f"{ref['sha256']}.png").read_bytes() == data


async def test_ask_f_sends_the_image_byte_for_byte(tmp_path: Path, model: ToolModelServer) -> None:
    env = write_config(tmp_path, model, [])
    data = picture("JPEG", size=(64, 48))
    (tmp_path / "photo.jpg").write_bytes(data)
    run = await run_main(
        "ask", "--provider", "tm", "-f", str(tmp_path / "photo.jpg"), "what is this?", env=env
    )
    assert run.status == 0, run.stderr
    assert run.stdout.startswith(described(data, media="image/jpeg"))


async def test_ask_f_scales_an_oversized_image_and_says_so(
    tmp_path: Path, model: ToolModelServer
) -> None:
    env = write_config(tmp_path, model, [])
    (tmp_path / "wide.png").write_bytes(picture(size=(3000, 30)))
    run = await run_main(
        "ask", "--provider", "tm", "-f", str(tmp_path / "wide.png"), "look", env=env
    )
    assert run.status == 0, run.stderr
    assert "wide.png was scaled down to 2048\u00d720 for tm." in run.stderr
    assert run.stdout.startswith("IMAGE#1 image/png ")


async def test_an_image_a_tool_returns_goes_to_anthropic_and_is_shown(
    tmp_path: Path, model: ToolModelServer
) -> None:
    servers = [toolbox_config("box", tools=("picture",), auto_approve=["picture"])]
    app = tools_app(tmp_path, model, servers, kind="anthropic")
    async with app.run_test(size=SIZE) as pilot:
        await tools_ready(app, pilot)
        await type_text(pilot, "CALL picture {}")
        await pilot.press("enter")
        await settle(app, pilot)
        [block] = call_blocks(app)
        [picture] = block.images
        assert picture.image is not None  # decoded once on screen
    reply = saved(tmp_path)[0]["messages"][1]
    [image] = reply["steps"][0]["calls"][0]["images"]
    assert (image["width"], image["height"]) == (8, 6)
    assert reply["content"].startswith("IMAGE#1 image/png 77 bytes")
