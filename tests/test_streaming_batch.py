"""The reply worker merges text that arrives faster than the screen is drawn."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from textual.message import Message

from tests.ui_harness import make_app
from tui.config import PRESETS
from tui.domain import ChatMessage, Conversation, Role
from tui.engine import ReplyRun, build_request, new_reply
from tui.providers.events import TextDelta
from tui.session.registry import build_provider
from tui.ui.messages import ReplyDelta
from tui.ui.streaming import KeysSince, TextBatcher, stream_reply
from tui.ui.widgets.prompt_input import PromptInput


class Inbox:
    """Stands in for the screen: collects what the worker posts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.arrived = asyncio.Event()

    def post_message(self, message: Message) -> bool:
        self.messages.append(message)
        self.arrived.set()
        return True

    def texts(self) -> list[str]:
        return [
            m.delta.text
            for m in self.messages
            if isinstance(m, ReplyDelta) and isinstance(m.delta, TextDelta)
        ]


def offline_run() -> ReplyRun:
    provider = replace(PRESETS["offline"], chunk_delay=0)
    conv = Conversation.start(provider.name, provider.model)
    conv.add(ChatMessage(Role.USER, "a question"))
    return ReplyRun(conv, new_reply(provider), provider, build_request(conv, provider))


async def test_first_text_goes_at_once_the_burst_after_it_is_merged() -> None:
    inbox = Inbox()
    batcher = TextBatcher(inbox, offline_run())  # type: ignore[arg-type]
    batcher.add("first ")
    assert inbox.texts() == ["first "]
    for index in range(1000):
        batcher.add(f"{index} ")
    assert len(inbox.messages) == 1  # the burst waits for the next interval
    inbox.arrived.clear()
    await asyncio.wait_for(inbox.arrived.wait(), timeout=5)  # posted by the timer
    assert inbox.texts() == ["first ", "".join(f"{i} " for i in range(1000))]


async def test_post_flushes_what_waits_before_any_other_message() -> None:
    inbox = Inbox()
    batcher = TextBatcher(inbox, offline_run())  # type: ignore[arg-type]
    batcher.add("a")
    batcher.add("b")
    batcher.add("c")
    batcher.post()
    assert inbox.texts() == ["a", "bc"]
    batcher.post()  # nothing waiting: nothing posted
    assert len(inbox.messages) == 2


async def test_the_last_text_is_posted_before_the_run_says_it_ended() -> None:
    """Front ends draw the end when the run closes (the compare screen) or the worker ends:
    text still waiting in the batcher must be posted before either."""
    provider = replace(PRESETS["offline"], chunk_delay=0)
    conv = Conversation.start(provider.name, provider.model)
    conv.add(ChatMessage(Role.USER, "a question of several words for the guide"))
    run = ReplyRun(conv, new_reply(provider), provider, build_request(conv, provider))
    inbox = Inbox()
    run.on_close.append(lambda _run: inbox.messages.append(Message()))  # the end, drawn
    adapter = build_provider(provider)
    await stream_reply(inbox, run, lambda: adapter)  # type: ignore[arg-type]
    ended = next(i for i, m in enumerate(inbox.messages) if type(m) is Message)
    assert ended == len(inbox.messages) - 1  # nothing posted after the end
    assert "".join(inbox.texts()) == run.state.text  # and all the text before it
    assert len(inbox.texts()) >= 2  # it did stream in pieces


class Counting:
    keys_pressed = 0


def test_a_key_since_the_last_ask_is_told_once() -> None:
    app = Counting()
    typed = KeysSince(app)
    assert not typed.new()
    app.keys_pressed += 2
    assert typed.new()
    assert not typed.new()
    assert not KeysSince(object()).new()  # an app that does not count keys


async def test_the_app_counts_the_keys_it_receives(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        before = app.keys_pressed
        await pilot.press("a", "b", "c")
        assert app.keys_pressed == before + 3
        assert app.main_screen.query_one(PromptInput).text == "abc"
