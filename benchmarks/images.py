"""A conversation with 50 images: built with the project's own store, opened and paged
through in Textual's own harness.

`python -m benchmarks.images CONFIG DATA` (with `TUI_CHAT_IMAGES` set, so the renderer
does not depend on the terminal) prints the seconds to open it, the seconds of one
page-up as Textual animates it, then the seconds of each page-up step with animations
off, one per line.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui.domain import ChatMessage, Conversation, Role
from tui.images import Picture
from tui.state import AppState
from tui.store import ConversationStore

CONVERSATION_ID = "20260101-images-bench"
IMAGES = 50
PAGE_STEPS = 5
SIZE = (640, 480)
START = datetime(2026, 1, 1, tzinfo=UTC)


def png(index: int) -> bytes:
    """A deterministic 640x480 gradient with its number drawn on it."""
    from PIL import Image, ImageDraw

    width, height = SIZE
    image = Image.new("RGB", SIZE)
    pixels = [
        ((x * 255 // width + index * 5) % 256, y * 255 // height, (index * 37) % 256)
        for y in range(height)
        for x in range(width)
    ]
    image.putdata(pixels)
    ImageDraw.Draw(image).text((20, 20), f"image {index:02d}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def build() -> Path:
    """A data dir holding the conversation, opened at start (cached under the temp dir)."""
    folder = Path(tempfile.gettempdir()) / f"tui-chat-bench-images{IMAGES}"
    done = folder / "complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    store = ConversationStore(folder)
    conv = Conversation(CONVERSATION_ID, "Fifty images", "bench", "bench-len2000", START, START)
    for index in range(IMAGES):
        when = START + timedelta(minutes=index)
        picture = Picture(png(index), "image/png", *SIZE)
        ref = picture.ref(store.blobs.put(picture.data, "image/png"), f"image{index:02d}.png")
        question = ChatMessage(Role.USER, f"What is in image {index}?", created_at=when)
        question.images.append(ref)
        answer = ChatMessage(Role.ASSISTANT, f"Image {index} is a gradient.", created_at=when)
        answer.finish_reason = "stop"
        conv.messages += [question, answer]
    store.save(conv)
    AppState(last_conversation=CONVERSATION_ID).save(folder)
    done.write_text("ok")
    return folder


async def measure(config_path: Path, data: Path) -> list[float]:
    """[seconds to open the conversation, one animated page-up, each plain page-up]."""
    from tui.config import load_config
    from tui.ui.app import ChatApp
    from tui.ui.widgets.message_pane import MessagePane
    from tui.ui.widgets.message_parts import Pictures

    config = load_config(config_path, data)
    store = ConversationStore(config.data_dir)
    app = ChatApp(config, store, state=AppState(), probe_local=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # start-up work, as for the stream figures
        start = time.perf_counter()
        await app.main_screen.open_conversation(CONVERSATION_ID)
        await pilot.pause()
        opened = time.perf_counter() - start
        pane = app.main_screen.query_one(MessagePane)
        # The images on screen are decoded in workers: done before timing.
        await app.workers.wait_for_complete()
        await pilot.pause()
        pane.focus()
        pane.scroll_end(animate=False)
        await pilot.pause()
        # Textual scrolls a page at 50 rows/s (0.84 s for this pane), and `press` waits
        # for the animation: the steps are timed without it, to see the drawing cost.
        start = time.perf_counter()
        await pilot.press("pageup")
        await pilot.pause()
        steps = [time.perf_counter() - start]
        await app.workers.wait_for_complete()
        app.animation_level = "none"
        # `pilot.press` waits for the app to go idle, 75-85 ms even for a key nothing is
        # bound to: that baseline is taken off each step, leaving what the page-up costs.
        idle = []
        for _ in range(PAGE_STEPS):
            start = time.perf_counter()
            await pilot.press("f24")
            await pilot.pause()
            idle.append(time.perf_counter() - start)
        baseline = statistics.median(idle)
        for _ in range(PAGE_STEPS):
            start = time.perf_counter()
            await pilot.press("pageup")
            await pilot.pause()
            steps.append(max(time.perf_counter() - start - baseline, 0.0))
            await app.workers.wait_for_complete()
        parts = [part for view in pane.views for part in view.parts]
        shown = [p for part in parts if isinstance(part, Pictures) for p in part.pictures]
        drawn = [picture for picture in shown if picture.image is not None]
        if len(drawn) < 10:
            raise SystemExit(f"only {len(drawn)} images were drawn")
        return [opened, *steps]


if __name__ == "__main__":
    for value in asyncio.run(measure(Path(sys.argv[1]), Path(sys.argv[2]))):
        print(value)
