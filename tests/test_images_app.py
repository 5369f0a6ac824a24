"""Images in the app: attached with `@path` or pasted, kept as blobs, drawn under their
question (and under a tool's result), refused when they do not decode, opened in a
viewer. The images are made here with Pillow; the clipboard tool and the viewer are
small scripts written by the tests, run as real processes."""

from __future__ import annotations

import hashlib
import io
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from textual.widgets import Static

from tests.helpers import (
    call_blocks,
    drawn_pictures,
    notices,
    pane_text,
    saved,
    send,
    settle,
    type_text,
)
from tests.ui_harness import make_app
from tui.domain import ChatMessage, Conversation, ImageRef, Role, ToolCallRecord, ToolResult
from tui.store.blobs import BlobStore
from tui.ui import clipboard_image, pictures
from tui.ui.app import ChatApp
from tui.ui.screens import image_actions
from tui.ui.widgets import message_parts
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.message_parts import Picture
from tui.ui.widgets.prompt_input import PromptInput

SIZE = (120, 40)


def png(width: int = 64, height: int = 32, colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def ref_of(data: bytes, name: str, width: int = 64, height: int = 32) -> ImageRef:
    return ImageRef(hashlib.sha256(data).hexdigest(), name, "image/png", len(data), width, height)


def drawn(app: ChatApp) -> list[Picture]:
    return drawn_pictures(app)


async def test_an_at_image_is_kept_as_a_blob_and_drawn_under_its_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = png()
    (tmp_path / "photo.png").write_bytes(data)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await send(app, pilot, "what is in @photo.png ?")
        await settle(app, pilot)  # the picture is decoded in a worker
        question = app.main_screen.conversation.messages[0]
        ref = ref_of(data, "photo.png")
        assert question.images == [ref]
        assert question.attachments == []
        assert app.session.blobs.read(ref) == data
        assert app.session.blobs.path(ref.sha256, ref.media_type).parent == (
            tmp_path / "data" / "blobs" / "sha256"
        )
        pane = app.main_screen.query_one(MessagePane)
        pane.scroll_home(animate=False, immediate=True)  # the question, over the long reply
        await pilot.pause()
        rows = [row.rstrip() for row in pane_text(pane)]
        chip = f" 🖼 photo.png 64\N{MULTIPLICATION SIGN}32 {len(data)} B"
        assert chip in rows
        (picture,) = drawn(app)
        assert picture.image is not None
        # 64x32 px in 10x20 px cells: its own size, well within the pane, in half-blocks.
        assert picture.cells(pane.inner_width) == (6, 2)
        under = rows.index(chip) + 1
        assert [len(row) for row in rows[under : under + 2]] == [7, 7]  # its 6 cells, drawn
        assert all(set(row[1:]) <= {"▀", "▄", " ", "█"} for row in rows[under : under + 2])


async def test_the_saved_file_refers_to_the_blob_and_a_restart_draws_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = png(300, 200)
    (tmp_path / "photo.png").write_bytes(data)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await send(app, pilot, "look at @photo.png")
        conversation_id = app.main_screen.conversation.id
    (conv,) = saved(tmp_path)
    stored = conv["messages"][0]["images"][0]
    assert stored["sha256"] == hashlib.sha256(data).hexdigest()
    assert (stored["width"], stored["height"]) == (300, 200)
    again = make_app(tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        await again.main_screen.open_conversation(conversation_id)
        await settle(again, pilot)
        (picture,) = drawn(again)
        assert picture.image is None  # above the reply, out of sight: not decoded
        again.main_screen.query_one(MessagePane).scroll_home(animate=False, immediate=True)
        await settle(again, pilot)
        assert picture.image is not None
        assert not picture.missing


async def test_a_png_that_does_not_decode_is_refused_and_the_text_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_text(pilot, "look @bad.png")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "bad.png cannot be read as an image" in notices(app)
        assert "Your message was not sent." in notices(app)
        assert app.main_screen.query_one(PromptInput).text == "look @bad.png"
        assert app.main_screen.conversation.messages == []
    assert saved(tmp_path) == []
    assert not (tmp_path / "data" / "blobs").exists()


@pytest.mark.parametrize("name", ["gone.png", "shot[/].png"])  # markup in a name is text
async def test_a_missing_blob_is_shown_as_missing(tmp_path: Path, name: str) -> None:
    conv = Conversation.start("offline", "offline-guide")
    conv.add(ChatMessage(Role.USER, "and this?", images=[ref_of(b"gone", name)]))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await app.main_screen.show_conversation(conv)
        await settle(app, pilot)
        (picture,) = drawn(app)
        assert picture.missing
        rows = [row.strip() for row in pane_text(app.main_screen.query_one(MessagePane))]
        assert f"image missing: {name}" in rows


async def test_each_image_is_decoded_once_however_often_it_is_shown(tmp_path: Path) -> None:
    data = png()
    BlobStore(tmp_path / "data").put(data, "image/png")
    ref = ref_of(data, "same.png")
    conv = Conversation.start("offline", "offline-guide")
    for text in ("one", "two", "three"):
        conv.add(ChatMessage(Role.USER, text, images=[ref]))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await app.main_screen.show_conversation(conv)
        await settle(app, pilot)
        await app.main_screen.redraw_conversation()
        await settle(app, pilot)
        assert len(drawn(app)) == 3
        assert all(p.image is not None for p in drawn(app))
        assert app.main_screen.images.pictures.decoded == 1


async def test_an_image_is_drawn_by_the_worker_that_decodes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = png()
    BlobStore(tmp_path / "data").put(data, "image/png")
    conv = Conversation.start("offline", "offline-guide")
    conv.add(ChatMessage(Role.USER, "look", images=[ref_of(data, "a.png")]))
    drawn_on: list[str] = []
    renderable = message_parts.image_renderable_class

    def spied() -> Any:
        def make(*args: Any, **kwargs: Any) -> Any:
            drawn_on.append(threading.current_thread().name)
            return renderable()(*args, **kwargs)

        return make

    monkeypatch.setattr(message_parts, "image_renderable_class", spied)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await app.main_screen.show_conversation(conv)
        await settle(app, pilot)
        (picture,) = drawn(app)
        assert picture.image is not None
        assert drawn_on  # drawn once, off the thread that draws the screen
        assert threading.main_thread().name not in drawn_on


async def test_a_large_image_is_announced_as_scaled_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = png(4096, 64)
    (tmp_path / "wide.png").write_bytes(data)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        # OpenAI's limits (the offline guide scales nothing: it looks at no image); with
        # no key the reply fails at once, without a request.
        app.main_screen.provider = app.config.provider("openai")
        await send(app, pilot, "@wide.png")
        said = notices(app)
        assert "wide.png (4096\N{MULTIPLICATION SIGN}64" in said
        assert "sent scaled down to 2048\N{MULTIPLICATION SIGN}32" in said
        # The original is what is kept.
        assert app.main_screen.conversation.messages[0].images[0].width == 4096


async def test_tab_completes_an_image_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "photo.png").write_bytes(png())
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await type_text(pilot, "see @pho")
        await pilot.press("tab")
        assert app.main_screen.query_one(PromptInput).text == "see @photo.png"


def clipboard_script(tmp_path: Path, data: bytes) -> list[str]:
    """A stand-in clipboard tool: prints `data`, as `wl-paste --type image/png` does."""
    (tmp_path / "clip.bin").write_bytes(data)
    script = tmp_path / "clip.py"
    script.write_text(
        "import sys, pathlib\n"
        f"sys.stdout.buffer.write(pathlib.Path({str(tmp_path / 'clip.bin')!r}).read_bytes())\n"
    )
    return [sys.executable, str(script)]


async def test_a_pasted_image_waits_as_a_chip_and_goes_with_the_next_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = png(40, 40, (10, 120, 250))
    monkeypatch.setattr(clipboard_image, "IMAGE_COMMANDS", [clipboard_script(tmp_path, data)])
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f9")
        await settle(app, pilot)
        pending = app.main_screen.query_one("#pending-images", Static)
        assert pending.display
        assert str(pending.render()).startswith("🖼 clipboard 40\N{MULTIPLICATION SIGN}40")
        await send(app, pilot, "what colour is this?")
        await settle(app, pilot)
        assert app.main_screen.conversation.messages[0].images == [
            ref_of(data, "clipboard", 40, 40)
        ]
        assert not pending.display
        assert app.main_screen.sender.pending == []
        app.main_screen.query_one(MessagePane).scroll_home(animate=False, immediate=True)
        await settle(app, pilot)  # decoded once on screen
        assert drawn(app)[0].image is not None


async def test_pasting_with_no_clipboard_tool_says_which_were_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clipboard_image, "IMAGE_COMMANDS", [["no-such-paste"], ["nor-this"]])
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f9")
        await settle(app, pilot)
        assert (
            "No clipboard tool that can read images is installed (looked for no-such-paste, "
            "nor-this)." in notices(app)
        )
        assert app.main_screen.sender.pending == []


async def test_a_clipboard_without_an_image_is_said_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = clipboard_script(tmp_path, b"just some text")
    monkeypatch.setattr(clipboard_image, "IMAGE_COMMANDS", [command])
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f9")
        await settle(app, pilot)
        assert "The clipboard holds no image" in notices(app)


async def test_o_opens_the_focused_messages_image_in_the_viewer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = png()
    (tmp_path / "photo.png").write_bytes(data)
    opened = tmp_path / "opened.txt"
    viewer = tmp_path / "viewer.py"
    viewer.write_text(
        f"import sys, pathlib\npathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n"
    )
    monkeypatch.setattr(image_actions, "VIEWER", [sys.executable, str(viewer)])
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await send(app, pilot, "@photo.png")
        await pilot.press("ctrl+o", "up", "o")  # the question, above the reply
        process = app.main_screen.images.viewer
        assert process is not None
        assert process.wait(timeout=10) == 0
        ref = app.main_screen.conversation.messages[0].images[0]
        assert opened.read_text() == str(app.session.blobs.path(ref.sha256, ref.media_type))
        monkeypatch.setattr(image_actions, "VIEWER", ["no-such-viewer"])
        await pilot.press("o")
        assert "No program to open images with was found (looked for no-such-viewer)" in notices(
            app
        )


async def test_a_tool_results_images_are_drawn_under_it(tmp_path: Path) -> None:
    data = png(80, 40, (0, 160, 0))
    BlobStore(tmp_path / "data").put(data, "image/png")
    ref = ref_of(data, "screenshot", 80, 40)
    conv = Conversation.start("offline", "offline-guide")
    conv.add(ChatMessage(Role.USER, "take a screenshot"))
    reply = ChatMessage(Role.ASSISTANT, "Here it is.", provider="offline", model="offline-guide")
    result = ToolResult("one image", duration_s=0.1, images=[ref])
    reply.tool_calls = [ToolCallRecord("c1", "screenshot", "{}", server="box", result=result)]
    conv.add(reply)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await app.main_screen.show_conversation(conv)
        await settle(app, pilot)
        [block] = call_blocks(app)
        (picture,) = block.images
        assert picture.max_rows == 8
        assert picture.image is not None


@pytest.mark.parametrize(
    ("environ", "tty", "chosen"),
    [
        ({"TERM": "xterm-kitty"}, True, "kitty"),
        ({"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-1/default,1,0"}, True, "halfcell"),
        ({"TERM": "tmux-256color"}, True, "halfcell"),
        ({"TERM": "foot"}, True, "sixel"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, True, "sixel"),
        ({"TERM": "xterm-256color"}, True, "halfcell"),
        ({"TERM": "xterm-kitty"}, False, "halfcell"),
        ({"TERM": "xterm-kitty", "TUI_CHAT_IMAGES": "unicode"}, True, "unicode"),
    ],
)
def test_the_renderer_comes_from_the_environment(
    environ: dict[str, str], tty: bool, chosen: str
) -> None:
    assert pictures.choose_renderer(environ, tty=tty) == chosen


def test_an_image_is_drawn_at_its_own_size_or_fitted_to_the_pane() -> None:
    cell = (10, 20)
    assert pictures.cells_for(64, 32, 100, 20, cell) == (6, 2)
    assert pictures.cells_for(2000, 1000, 100, 20, cell) == (80, 20)  # rows bind
    assert pictures.cells_for(4000, 400, 100, 20, cell) == (100, 5)  # columns bind
    assert pictures.cells_for(1, 1, 100, 20, cell) == (1, 1)


async def test_punctuation_after_an_image_name_is_not_part_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "photo.png").write_bytes(png())
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await send(app, pilot, "what is in @photo.png?")
        [user] = [m for m in app.main_screen.conversation.messages if m.role is Role.USER]
        assert [i.name for i in user.images] == ["photo.png"]


async def test_editing_the_last_message_reads_its_images_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.png").write_bytes(png(colour=(255, 0, 0)))
    (tmp_path / "b.png").write_bytes(png(colour=(0, 0, 255)))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await send(app, pilot, "first @a.png")
        await pilot.press("up")  # the empty box: edit the last message
        prompt = app.main_screen.query_one(PromptInput)
        prompt.load_text("second @b.png")
        await pilot.press("enter")
        await settle(app, pilot)
        user = app.main_screen.conversation.messages[0]
        assert user.content == "second @b.png"
        assert [i.name for i in user.images] == ["b.png"]
