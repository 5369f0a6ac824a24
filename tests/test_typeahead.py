"""Keys typed from the moment the app starts end up in the message box, whole and in order.

The Pilot tests post key events straight to the App, as Textual's driver thread does,
without waiting between them: before the App runs (keys that arrive while the screen is
still being built), as one burst ending in Enter, and while the last conversation is
being reopened. The pty test types into the real `tui-chat` the moment it is spawned.
"""

from __future__ import annotations

import asyncio
import os
import pty
import termios
import threading
import tomllib
from pathlib import Path
from typing import Any

from textual import events
from textual.message import Message
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from tests.cli_runner import cli_env
from tests.pty_app import PtyApp
from tests.test_layers import imported_modules
from tests.ui_harness import make_app
from tui.domain import ChatMessage, Conversation, Role
from tui.state import AppState
from tui.store import ConversationStore, Summary
from tui.ui.app import ChatApp
from tui.ui.widgets.prompt_input import PromptInput

TEXT = "Write a haiku about the sea"
LIMIT_S = 10


def keys(text: str) -> list[events.Key]:
    """The key events a terminal's typing of `text` becomes."""
    return [events.Key("space" if ch == " " else ch, ch) for ch in text]


def post(app: ChatApp, *typed: events.Event) -> None:
    for event in typed:
        app.post_message(event)


def user_texts(folder: Path) -> dict[str, list[str]]:
    """The user messages of every conversation file in `folder`, by file name."""
    found = {}
    for path in sorted(folder.glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        found[path.name] = [m["content"] for m in doc["messages"] if m["role"] == "user"]
    return found


class Replies:
    """A message hook that notes when a reply has finished."""

    def __init__(self) -> None:
        self.finished = asyncio.Event()

    def hook(self, message: Message) -> None:
        if (
            isinstance(message, Worker.StateChanged)
            and message.worker.group.startswith("reply:")
            and message.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)
        ):
            self.finished.set()

    async def wait(self) -> None:
        async with asyncio.timeout(LIMIT_S):
            await self.finished.wait()


def prompt(app: ChatApp) -> PromptInput:
    return app.main_screen.query_one(PromptInput)


async def test_keys_typed_before_the_screen_is_up_reach_the_box_in_order(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    # Queued before the App runs: handled while nothing (or the list filter) has focus.
    mended = [events.Key("backspace", None)] * 2  # a typo mended blind
    post(app, *keys("Write a "), events.Paste("haiku"), *keys(" abot"), *mended)
    post(app, *keys("out the sea"))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, PromptInput)
        assert prompt(app).text == TEXT
        assert prompt(app).cursor_location == (0, len(TEXT))
        await pilot.press(*"!")
        assert prompt(app).text == TEXT + "!"
        assert app.main_screen.query_one("#filter", Input).value == ""


async def test_enter_typed_before_start_up_sends_the_whole_text_and_keeps_what_follows(
    tmp_path: Path,
) -> None:
    replies = Replies()
    app = make_app(tmp_path)
    post(app, *keys(TEXT), events.Key("enter", "\r"), *keys("next"))
    async with app.run_test(size=(120, 36), message_hook=replies.hook) as pilot:
        await replies.wait()
        await pilot.pause()
        assert prompt(app).text == "next"
        app.session.saver.flush()
    assert list(user_texts(tmp_path / "data" / "conversations").values()) == [[TEXT]]


async def test_ctrl_j_typed_in_cooked_mode_is_enter_and_later_a_new_line(tmp_path: Path) -> None:
    """Until the app has the terminal in raw mode, its ICRNL turns Enter into Ctrl+J."""
    replies = Replies()
    app = make_app(tmp_path)
    app.typeahead.cooked_bytes = len(TEXT) + 1  # as `terminal_mode` counted them
    ctrl_j = events.Key("ctrl+j", "\n")
    post(app, *keys(TEXT), ctrl_j, *keys("two"), ctrl_j, *keys("lines"))
    async with app.run_test(size=(120, 36), message_hook=replies.hook) as pilot:
        await replies.wait()
        await pilot.pause()
        assert prompt(app).text == "two\nlines"
        assert app.main_screen.conversation.messages[0].content == TEXT


async def test_a_burst_ending_in_enter_sends_the_whole_text(tmp_path: Path) -> None:
    """Enter is a priority binding, run ahead of the keys still queued for the box; and
    what is typed after it stays for the next message."""
    replies = Replies()
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36), message_hook=replies.hook) as pilot:
        await pilot.pause()
        post(app, *keys(TEXT), events.Key("enter", "\r"), *keys("and more"))
        await replies.wait()
        await pilot.pause()
        assert prompt(app).text == "and more"
        assert prompt(app).cursor_location == (0, len("and more"))
        assert app.main_screen.conversation.messages[0].content == TEXT


async def test_clearing_the_sent_text_keeps_the_lines_typed_after_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        box = prompt(app)
        box.load_text("Write a haiku\nabout the sea\nand a limerick")
        box.move_cursor(box.document.end)
        box.clear_sent("Write a haiku\nabout the sea")
        await pilot.pause()
        assert box.text == "\nand a limerick"
        assert box.cursor_location == (1, len("and a limerick"))
        box.clear_sent("something else")  # the box no longer starts with it
        assert box.text == ""


class HeldStore(ConversationStore):
    """A store whose listing, and then loading, each wait until the test lets them go on."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.list_go = threading.Event()
        self.loading = threading.Event()
        self.load_go = threading.Event()

    def list_summaries(self) -> list[Summary]:
        self.list_go.wait(LIMIT_S)
        return super().list_summaries()

    def load(self, conversation_id: str) -> Conversation:
        self.loading.set()
        self.load_go.wait(LIMIT_S)
        return super().load(conversation_id)


def last_conversation(data_dir: Path) -> Conversation:
    """A saved conversation that the app reopens at start-up."""
    conv = Conversation.start("offline", "offline-guide")
    conv.add(ChatMessage(Role.USER, "an old question"))
    conv.add(ChatMessage(Role.ASSISTANT, "an old answer"))
    ConversationStore(data_dir).save(conv)
    AppState(last_conversation=conv.id).save(data_dir)
    return conv


async def handled(app: ChatApp) -> None:
    """Return once the App has handled every event posted to it so far."""
    done = asyncio.Event()
    app.call_later(done.set)
    async with asyncio.timeout(LIMIT_S):
        await done.wait()


async def test_reopening_the_last_conversation_at_start_up_keeps_what_was_typed(
    tmp_path: Path,
) -> None:
    conv = last_conversation(tmp_path / "data")
    app = make_app(tmp_path)
    store = HeldStore(tmp_path / "data")
    app.session.store = store  # where the app lists and loads conversations
    post(app, *keys("Write "))  # before the screen is up
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"a ")  # the box has focus; the list is still being read
        assert prompt(app).text == "Write a "
        store.list_go.set()  # the last conversation is reopened once the list is shown
        await asyncio.to_thread(store.loading.wait, LIMIT_S)
        # While its file is read (the screen is busy, so Pilot's presses would wait):
        post(app, *keys("haiku about the sea"))
        await handled(app)
        store.load_go.set()
        async with asyncio.timeout(LIMIT_S):
            while app.main_screen.conversation.id != conv.id:
                await pilot.pause()
        await pilot.pause()
        assert prompt(app).text == TEXT
        assert prompt(app).cursor_location == (0, len(TEXT))
        assert [m.content for m in app.main_screen.conversation.messages] == [
            "an old question",
            "an old answer",
        ]


# ----------------------------------------------------------------- the real app in a pty


def offline_config(home: Path) -> None:
    """The offline guide, slow enough (about a second a reply) to be seen streaming."""
    text = "[providers.offline]\nchunk_delay = 0.004\n"
    (home / "config.toml").write_text(text, encoding="utf-8")


def new_terminal_modes() -> list[Any]:
    """The settings of a terminal nobody has changed (cooked mode, echo on)."""
    master, slave = pty.openpty()
    try:
        return termios.tcgetattr(master)
    finally:
        os.close(master)
        os.close(slave)


async def run_typing(home: Path, *pieces: tuple[bytes, bytes | None]) -> None:
    """Start `tui-chat` and send each piece once its mark is in the output (None: at
    once); quit once the reply streams (the message is saved before it is sent)."""
    async with PtyApp(cli_env(home)) as app:
        for data, mark in pieces:
            if mark is not None:
                await app.wait_for(mark)
            app.send(data)
        await app.wait_for(b"tok/s", len(app.output))  # only a live reply shows a rate
        app.send(b"\x11")  # Ctrl+Q
        assert await app.wait_exit() == 0
        # Set to the app's mode before Textual looked: it must not keep that as "found".
        assert app.modes() == new_terminal_modes()


async def test_the_real_app_sends_everything_typed_from_the_moment_it_starts(
    tmp_path: Path,
) -> None:
    offline_config(tmp_path)
    folder = tmp_path / "tui-data" / "conversations"
    await run_typing(tmp_path, (TEXT.encode() + b"\r", None))  # at once, no waiting
    (first,) = user_texts(folder).values()
    assert first == [TEXT]
    # Again, in three phases: before Textual takes the terminal, before the box has
    # focus, and once the last conversation is back on screen (before that, Enter
    # would start a new one, as the screen then shows).
    await run_typing(
        tmp_path,
        (b"and a ", None),
        (b"limerick about", b"\x1b[?1049h"),
        (b" the moon\r", b"cancelled: stopped by you"),  # the old reply, quit mid-stream
    )
    assert list(user_texts(folder).values()) == [[TEXT, "and a limerick about the moon"]]


def test_the_early_switch_to_raw_mode_loads_nothing_heavy() -> None:
    """It runs first, so that the time spent loading the rest is raw mode already."""
    loaded = imported_modules("tui.terminal_mode")
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "rich")}
    assert not {m for m in loaded if m.startswith("tui.") and m != "tui.terminal_mode"}
