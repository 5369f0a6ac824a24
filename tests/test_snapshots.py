"""Screenshots of the main screens, compared with the accepted SVGs in __snapshots__."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from inspect import signature
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.helpers import type_text
from tests.mcp_helpers import toolbox_config
from tests.replay_server import ReplayServer, load_cases, replay_in_thread
from tests.spend_history import NOW, busy_month, write_history
from tests.tools_app import approval_dialog, model_in_thread, tools_app, tools_ready
from tests.ui_harness import make_app
from tui.domain import (
    ChatMessage,
    Conversation,
    ImageRef,
    Role,
    ToolCallRecord,
    ToolResult,
    ToolStep,
)
from tui.store.blobs import BlobStore
from tui.ui.widgets.prompt_input import PromptInput

SIZE = (110, 34)
Compare = Callable[..., bool]


@pytest.fixture(scope="module")
def server() -> Iterator[ReplayServer]:
    with replay_in_thread(load_cases()) as replay:
        yield replay


def exchange(prompt: str) -> Callable[[Pilot[Any]], Any]:
    """Send `prompt`, wait for the reply to end, and stop the cursor blinking."""

    async def run(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        pilot.app.screen.query_one(PromptInput).cursor_blink = False
        if prompt:
            await type_text(pilot, prompt)
            await pilot.press("enter")
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run


def test_first_run(snap_compare: Compare, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=exchange(""))


def test_finished_reply_with_counters(
    snap_compare: Compare, tmp_path: Path, server: ReplayServer
) -> None:
    app = make_app(tmp_path, server, "openai_include_usage")
    assert snap_compare(app, terminal_size=SIZE, run_before=exchange("hi"))


def test_length_warning(snap_compare: Compare, tmp_path: Path, server: ReplayServer) -> None:
    app = make_app(tmp_path, server, "openai_finish_length")
    assert snap_compare(app, terminal_size=SIZE, run_before=exchange("hi"))


def test_error_message(snap_compare: Compare, tmp_path: Path, server: ReplayServer) -> None:
    app = make_app(tmp_path, server, "openai_error_midstream")
    assert snap_compare(app, terminal_size=SIZE, run_before=exchange("hi"))


def keys(*pressed: str, prompt: str = "") -> Callable[[Pilot[Any]], Any]:
    """Optionally send `prompt`, then press keys and wait for any workers."""

    async def run(pilot: Pilot[Any]) -> None:
        await exchange(prompt)(pilot)
        await pilot.press(*pressed)
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run


def test_model_picker(snap_compare: Compare, tmp_path: Path) -> None:
    # Only built-in providers: a replay server's random port would change the picture.
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=keys("f2"))


def test_help_screen(snap_compare: Compare, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=keys("f1"))


def test_tool_approval_dialog(snap_compare: Compare, tmp_path: Path) -> None:
    with model_in_thread() as model:
        app = tools_app(tmp_path, model, [toolbox_config("box")])

        async def run(pilot: Pilot[Any]) -> None:
            await tools_ready(app, pilot)
            app.screen.query_one(PromptInput).cursor_blink = False
            arguments = {"text": "The quick brown fox", "shout": True, "times": [1, 2, 3]}
            await type_text(pilot, f"CALL echo {json.dumps(arguments)}")
            await pilot.press("enter")
            await approval_dialog(app, pilot)
            run = app.session.replies[app.main_screen.conversation.id]
            run.clock = lambda: run.started + 1.5  # the counters behind the dialog hold still
            app.main_screen.live.tick()
            await pilot.pause()

        assert snap_compare(app, terminal_size=SIZE, run_before=run)


@pytest.mark.parametrize("theme", ["tui-paper", "tui-dusk"])
def test_project_themes(snap_compare: Compare, tmp_path: Path, theme: str) -> None:
    app = make_app(tmp_path)

    async def run(pilot: Pilot[Any]) -> None:
        pilot.app.theme = theme
        await exchange("hello")(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_every_accepted_snapshot_belongs_to_a_test() -> None:
    """A snapshot left behind by a renamed or removed test fails the run. (Syrupy checks
    this itself only without pytest-xdist, and the suite runs under it.)"""
    expected = set()
    for name, function in list(globals().items()):
        if not name.startswith("test_") or "snap_compare" not in signature(function).parameters:
            continue
        marks = [m for m in getattr(function, "pytestmark", []) if m.name == "parametrize"]
        if not marks:
            expected.add(name)
            continue
        (mark,) = marks
        argnames, values = mark.args[:2]
        assert "," not in argnames, name  # one parameter, ids are its string values
        assert all(isinstance(value, str) for value in values), name
        expected |= {f"{name}[{value}]" for value in values}
    folder = Path(__file__).parent / "__snapshots__" / Path(__file__).stem
    assert {path.stem for path in folder.glob("*.svg")} == expected


def sample_picture() -> bytes:
    """A small, fixed PNG: four coloured quarters and a white disc."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 160), (30, 90, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((160, 0, 319, 79), fill=(220, 60, 50))
    draw.rectangle((0, 80, 159, 159), fill=(40, 170, 90))
    draw.rectangle((160, 80, 319, 159), fill=(240, 200, 40))
    draw.ellipse((120, 40, 200, 120), fill=(250, 250, 250))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def conversation_with_image(data_dir: Path) -> Conversation:
    """A question with an image (kept as a blob in `data_dir`) and its answer."""
    data = sample_picture()
    digest = BlobStore(data_dir).put(data, "image/png")
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    conv = Conversation(
        "20260102-030405-abcdef",
        "What is in this picture?",
        "offline",
        "offline-guide",
        created_at=moment,
        updated_at=moment,
    )
    ref = ImageRef(digest, "shapes.png", "image/png", len(data), 320, 160)
    conv.add(ChatMessage(Role.USER, "What is in @shapes.png ?", moment, images=[ref]))
    conv.add(
        ChatMessage(
            Role.ASSISTANT,
            "Four coloured quarters with a white disc in the middle.",
            moment,
            provider="offline",
            model="offline-guide",
            finish_reason="stop",
        )
    )
    return conv


def test_image_under_its_question(snap_compare: Compare, tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def run(pilot: Pilot[Any]) -> None:
        await exchange("")(pilot)
        await app.main_screen.show_conversation(conversation_with_image(tmp_path / "data"))
        app.screen.query_one(PromptInput).cursor_blink = False
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def conversation_with_tools() -> Conversation:
    """A reply that called two tools in one round (one failed), then answered."""
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    conv = Conversation(
        "20260102-030405-tools1", "Weather", "offline", "offline-guide", moment, moment
    )
    conv.add(ChatMessage(Role.USER, "What is the weather in Oslo and in Rome?", moment))
    forecast = "\n".join(f"{hour:02}:00  {4 + hour % 5} °C  cloudy" for hour in range(9))
    calls = [
        ToolCallRecord(
            "c1",
            "forecast",
            '{"city": "Oslo"}',
            "weather",
            result=ToolResult(forecast, False, 0.42),
        ),
        ToolCallRecord(
            "c2",
            "forecast",
            '{"city": "Rome"}',
            "weather",
            result=ToolResult("Error: the service is down", True, 0.05),
        ),
    ]
    reply = ChatMessage(
        Role.ASSISTANT,
        "Oslo is cloudy, about 6 °C; Rome's forecast could not be read.",
        moment,
        provider="offline",
        model="offline-guide",
        finish_reason="stop",
    )
    reply.steps = [ToolStep("Let me look both up.", calls)]
    conv.add(reply)
    return conv


def test_finished_tool_round(snap_compare: Compare, tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def run(pilot: Pilot[Any]) -> None:
        await exchange("")(pilot)
        await app.main_screen.show_conversation(conversation_with_tools())
        app.screen.query_one(PromptInput).cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=(110, 44), run_before=run)


def test_stats_screen(snap_compare: Compare, tmp_path: Path) -> None:
    write_history(tmp_path / "data", NOW, busy_month())
    app = make_app(tmp_path)

    async def run(pilot: Pilot[Any]) -> None:
        await exchange("")(pilot)
        app.main_screen.costs.clock = lambda: NOW  # the days shown never move
        await pilot.press("f10")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(110, 48), run_before=run)
