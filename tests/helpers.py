"""What UI tests share: driving the app, reading what it saved, and its services.

Tests reach the app's long-lived services (the saver, the live replies, the data-dir
lock's verdict, the exit notes, the search index builder, the provider catalog) only
through the small accessors below, so a change of where the app keeps them is made here
once.
"""

from __future__ import annotations

import asyncio
import subprocess
import tomllib
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.keys import _character_to_key  # the key name Pilot gives a character
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget

from tui.domain import ChatMessage, Conversation, Role
from tui.engine import ReplyRun
from tui.session.catalog import ProviderCatalog
from tui.state import AppState
from tui.store import ConversationStore
from tui.ui.app import ChatApp
from tui.ui.messages import ReplyDelta
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.message_parts import Picture, Pictures
from tui.ui.widgets.message_view import MessageView
from tui.ui.widgets.tool_blocks import ToolCallBlock

WAIT_S = 10.0
"""How long a test waits for something the app is sure to do before failing (a guard
against hanging, never a pace)."""

# ----------------------------------------------------------------- on disk


def saved(home: Path, data: str = "data") -> list[dict[str, Any]]:
    """Every conversation file under `home/data`, parsed, in file-name order."""
    folder = home / data / "conversations"
    return [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.toml"))]


def saved_by_id(home: Path, data: str = "data") -> dict[str, dict[str, Any]]:
    """Every conversation file under `home/data`, parsed, by conversation id."""
    folder = home / data / "conversations"
    return {p.stem: tomllib.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.toml")}


# ----------------------------------------------------------------- on screen


def views(app: ChatApp) -> list[MessageView]:
    """The message views of the main screen, top to bottom."""
    return list(app.main_screen.query_one(MessagePane).views)


def call_blocks(app: App[object]) -> list[ToolCallBlock]:
    """The tool call blocks of the screen's message pane, top to bottom."""
    pane = app.screen.query_one(MessagePane)
    return [p for view in pane.views for p in view.parts if isinstance(p, ToolCallBlock)]


def drawn_pictures(app: App[object]) -> list[Picture]:
    """The images of the screen's message pane (under questions and in tool results)."""
    found: list[Picture] = []
    for view in app.screen.query_one(MessagePane).views:
        for part in view.parts:
            if isinstance(part, Pictures):
                found += part.pictures
            elif isinstance(part, ToolCallBlock):
                found += part.images
    return found


def pane_text(pane: MessagePane) -> list[str]:
    """The rows of `pane` as drawn now, each row's text."""
    return [pane.render_line(y).text for y in range(pane.scrollable_content_region.height)]


def notices(app: ChatApp) -> str:
    """Every notification shown so far, joined."""
    return " ".join(str(n.message) for n in app._notifications)  # no public list


# ----------------------------------------------------------------- driving


def save_questions(store: ConversationStore, *questions: str) -> list[Conversation]:
    """One saved offline conversation per question (each titled by its question)."""
    convs = []
    for question in questions:
        conv = Conversation.start("offline", "offline-guide")
        conv.add(ChatMessage(Role.USER, question))
        store.save(conv)
        convs.append(conv)
    return convs


async def settle(app: ChatApp, pilot: Any) -> None:
    """Wait for every worker, let the screen catch up, and wait for every save."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    flush(app)


async def type_text(pilot: Any, text: str) -> None:
    """Type plain `text` into the focused text box, one key event per character in
    order (as a terminal delivers fast typing), then wait once for the screen to settle.

    `pilot.press` waits for the whole app to go idle after every key (at least 40 ms a
    key, more on a busy machine); for text that only lands in a text box the result is
    the same. Keys that act (Enter, F-keys, Ctrl+…) still go through `pilot.press`."""
    for character in text:
        assert character.isprintable(), f"not plain text: {character!r}"
        pilot.app.post_message(events.Key(_character_to_key(character), character))
    await pilot.pause()


async def send(app: ChatApp, pilot: Any, text: str) -> None:
    """Type `text` into the prompt, press Enter and wait for the reply to end (and be
    saved), back on the main screen."""
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, MainScreen)


class FirstText:
    """An event per conversation, set when text of its reply first reaches the screen;
    `hook` is the `message_hook` that sets them."""

    def __init__(self) -> None:
        self.arrived: dict[str, asyncio.Event] = {}
        self.any = asyncio.Event()

    def event(self, conversation_id: str) -> asyncio.Event:
        return self.arrived.setdefault(conversation_id, asyncio.Event())

    def hook(self, message: Message) -> None:
        if isinstance(message, ReplyDelta):
            self.event(message.key).set()
            self.any.set()

    async def wait(self, conversation_id: str | None = None) -> None:
        """Until text of `conversation_id`'s reply (of any reply, if None) has arrived."""
        event = self.any if conversation_id is None else self.event(conversation_id)
        async with asyncio.timeout(WAIT_S):
            await event.wait()


# ----------------------------------------------------------------- the app's services


def flush(app: ChatApp, timeout: float | None = WAIT_S) -> bool:
    """Wait until every save asked for so far has been tried; True if all are on disk."""
    return app.session.saver.flush(timeout=timeout)


def live_reply(app: ChatApp, conversation_id: str) -> ReplyRun | None:
    """The reply streaming now in `conversation_id`, if one is."""
    return app.session.replies.get(conversation_id)


def live_replies(app: ChatApp) -> list[ReplyRun]:
    """Every reply streaming now (compare replies included)."""
    return list(app.session.replies.values())


def live_ids(app: ChatApp) -> set[str]:
    """The conversations with a reply streaming now."""
    return {run.conversation.id for run in app.session.replies.values()}


def writes_refused(app: ChatApp) -> str | None:
    """Why this app saves nothing (another app holds the data dir), if it does not."""
    return app.session.writes_refused


def exit_notes(app: ChatApp) -> list[str]:
    """What the app prints on the terminal once it has closed."""
    return app.session.exit_notes


def catalog(app: ChatApp) -> ProviderCatalog:
    """The session's provider readiness and model lists."""
    return app.session.catalog


def app_state(app: ChatApp) -> AppState:
    """What the app remembers between runs (theme, last conversation, compared pairs)."""
    return app.session.state


async def start_index_build(app: ChatApp) -> None:
    """Start building the search cache now (the app does it on a timer well after
    start-up) and wait until the builder process is started (or found unneeded)."""
    await asyncio.to_thread(app.session.start_search_build)


def index_builder(app: ChatApp) -> subprocess.Popen[bytes] | None:
    """The process building the search cache, if one was started."""
    return app.session.index_builder


class LayoutCounting(Screen[None]):
    """A screen of `widgets` that counts its layouts of the whole screen."""

    def __init__(self, *widgets: Widget) -> None:
        super().__init__()
        self.layouts = 0
        self._parts = widgets

    def compose(self) -> ComposeResult:
        yield from self._parts

    def _refresh_layout(self, *args: Any, **kwargs: Any) -> None:
        self.layouts += 1
        super()._refresh_layout(*args, **kwargs)


class ScreenHarness(App[None]):
    """An app that shows `screen`."""

    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self._shown = screen

    def on_mount(self) -> None:
        self.push_screen(self._shown)
