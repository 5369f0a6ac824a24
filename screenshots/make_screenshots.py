"""Regenerate the SVG screenshots in this folder from the real app.

Run from the project root: `python screenshots/make_screenshots.py`. The app runs
headless against the loopback replay server of the test suite, on a throw-away data dir.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# An SVG holds text: images are drawn in colour half-blocks, whatever terminal runs this.
os.environ["TUI_CHAT_IMAGES"] = "halfcell"

from tests.mcp_helpers import toolbox_config  # noqa: E402
from tests.replay_server import ReplayServer, load_cases  # noqa: E402
from tests.spend_history import NOW, busy_month, write_history  # noqa: E402
from tests.test_snapshots import sample_picture  # noqa: E402
from tests.tool_model import ToolModelServer  # noqa: E402
from tests.tools_app import approval_dialog, tools_app, tools_ready  # noqa: E402
from tests.ui_harness import make_app  # noqa: E402
from tui.ui.widgets.prompt_input import PromptInput  # noqa: E402

SIZE = (120, 36)
SHOTS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "first_run": ("offline", "", (), ""),
    "offline_guide": ("offline", "hello, what is this?", (), ""),
    "finished_reply": ("openai_include_usage", "hi", (), ""),
    "length_warning": ("openai_finish_length", "tell me about the sun", (), ""),
    "error": ("openai_error_midstream", "explain photosynthesis", (), ""),
    "reasoning": ("deepseek_reasoning", "what is 9.11 - 9.8?", (), ""),
    "model_picker": ("openai_basic_stop", "hi", ("f2",), ""),
    "help": ("offline", "", ("f1",), ""),
    "search": ("openai_include_usage", "hello there", ("ctrl+g", *"hello"), ""),
    "attachment": ("openai_include_usage", "what does @pyproject.toml install?", (), ""),
    "light_theme": ("offline", "hello", (), "tui-paper"),
}


async def shoot(
    server: ReplayServer, name: str, provider: str, prompt: str, keys: tuple[str, ...], theme: str
) -> Path:
    with tempfile.TemporaryDirectory() as home:
        app = make_app(Path(home), server, provider)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.screen.query_one(PromptInput).cursor_blink = False
            if theme:
                app.theme = theme
            if name == "reasoning":
                await pilot.press("f6", "f6", "f6")  # reasoning effort: high
            if prompt:
                await pilot.press(*prompt, "enter")
                await app.workers.wait_for_complete()
            if keys:
                await pilot.press(*keys)
                await pilot.pause()
                await app.workers.wait_for_complete()
            await pilot.pause()
            path = app.save_screenshot(f"{name}.svg", str(ROOT / "screenshots"))
    return Path(path)


async def shoot_compare(server: ReplayServer) -> Path:
    """Three models answering one message side by side."""
    cases = {
        "gpt": "openai_include_usage",
        "claude": "anthropic_basic_end_turn",
        "reasoner": "deepseek_reasoning",
    }
    with tempfile.TemporaryDirectory() as home:
        app = make_app(Path(home), server, "gpt", cases=cases)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.main_screen.session.state.compare = [f"{name}:fixture-model" for name in cases]
            await pilot.press(*"Which city is the capital of France?", "f7", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            path = app.save_screenshot("compare.svg", str(ROOT / "screenshots"))
    return Path(path)


async def shoot_context(server: ReplayServer) -> Path:
    """The question asked before a message that would overflow the context window."""
    with tempfile.TemporaryDirectory() as home:
        app = make_app(
            Path(home),
            server,
            "local",
            cases={"local": "openai_include_usage"},
            settings={"local": ["context_window = 60"]},
        )
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.screen.query_one(PromptInput).cursor_blink = False
            await pilot.press(*"hi", "enter")
            await app.workers.wait_for_complete()
            await pilot.press(*"Here is a much longer message " * 4, "enter")
            await pilot.pause()
            path = app.save_screenshot("context_full.svg", str(ROOT / "screenshots"))
    return Path(path)


async def shoot_stats() -> Path:
    """The Stats screen (F10) over a generated month of replies, as of a fixed day."""
    with tempfile.TemporaryDirectory() as home:
        write_history(Path(home) / "data", NOW, busy_month())
        app = make_app(Path(home))
        async with app.run_test(size=(110, 46)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            app.main_screen.costs.clock = lambda: NOW
            await pilot.press("f10")
            await app.workers.wait_for_complete()
            await pilot.pause()
            path = app.save_screenshot("stats.svg", str(ROOT / "screenshots"))
    return Path(path)


async def shoot_images(server: ReplayServer) -> Path:
    """A question with an image attached by `@path`, drawn under it, and the reply."""
    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "shapes.png").write_bytes(sample_picture())
        here = Path.cwd()
        os.chdir(home)  # `@path` names are relative to where the app started
        try:
            app = make_app(Path(home), server, "openai_include_usage")
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                app.screen.query_one(PromptInput).cursor_blink = False
                await pilot.press(*"what is in @shapes.png ?", "enter")
                await app.workers.wait_for_complete()
                await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.pause()
                path = app.save_screenshot("images.svg", str(ROOT / "screenshots"))
        finally:
            os.chdir(here)
    return Path(path)


async def shoot_tools() -> list[Path]:
    """A reply that ran a tool, and the approval dialog of the next call."""
    model = ToolModelServer()
    await model.start()
    try:
        with tempfile.TemporaryDirectory() as home:
            app = tools_app(Path(home), model, [toolbox_config("box", auto_approve=["add"])])
            async with app.run_test(size=SIZE) as pilot:
                await tools_ready(app, pilot)
                app.screen.query_one(PromptInput).cursor_blink = False
                await pilot.press(*'CALL add {"a": 20, "b": 22}', "enter")
                await app.workers.wait_for_complete()
                arguments = '{"text": "Tools run only with your say.", "times": [1, 2]}'
                await pilot.press(*f"CALL echo {arguments}", "enter")
                await approval_dialog(app, pilot)
                await pilot.pause()
                shot = app.save_screenshot("tool_approval.svg", str(ROOT / "screenshots"))
                await pilot.press("y")
                await app.workers.wait_for_complete()
                await pilot.pause()
                done = app.save_screenshot("tool_calls.svg", str(ROOT / "screenshots"))
    finally:
        await model.stop()
    return [Path(shot), Path(done)]


async def main() -> None:
    server = ReplayServer(load_cases())
    await server.start()
    try:
        for name, (provider, prompt, keys, theme) in SHOTS.items():
            print(await shoot(server, name, provider, prompt, keys, theme))  # noqa: T201
        print(await shoot_compare(server))  # noqa: T201
        print(await shoot_context(server))  # noqa: T201
        print(await shoot_images(server))  # noqa: T201
        print(*await shoot_tools(), sep="\n")  # noqa: T201
        print(await shoot_stats())  # noqa: T201
    finally:
        await server.stop()


if __name__ == "__main__":
    asyncio.run(main())
