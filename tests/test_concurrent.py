"""Three conversations streaming at once, each in its own worker, switched between."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

from textual.message import Message

from tests.test_commands import settle
from tui.config import load_config
from tui.store import ConversationStore
from tui.ui.app import ChatApp
from tui.ui.messages import ReplyDelta
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.prompt_input import PromptInput


class FirstText:
    """An event per conversation, set when its reply's first text reaches the screen."""

    def __init__(self) -> None:
        self.arrived: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def hook(self, message: Message) -> None:
        if isinstance(message, ReplyDelta):
            self.arrived[message.key].set()

    async def wait(self, conversation_id: str) -> None:
        async with asyncio.timeout(10):
            await self.arrived[conversation_id].wait()


async def test_three_replies_stream_at_once_and_each_shows_its_own_live_state(
    tmp_path: Path,
) -> None:
    config_path = tmp_path / "config.toml"
    config_path.write_text("[providers.offline]\nchunk_delay = 0.01\n")  # ~3 s a reply
    config = load_config(config_path, tmp_path / "data", environ={})
    app = ChatApp(
        config,
        ConversationStore(config.data_dir),
        config.provider("offline"),
        themes_dir=tmp_path / "themes",
        probe_local=False,
    )
    first_text = FirstText()
    async with app.run_test(size=(120, 36), message_hook=first_text.hook) as pilot:
        screen = app.main_screen
        ids = []
        prompt = screen.query_one(PromptInput)
        for word in ("alpha", "beta", "gamma"):
            if ids:
                await screen.action_new_conversation()  # Ctrl+N
            prompt.load_text(word)
            prompt.action_submit()  # what Enter does (Pilot's key presses wait for
            # the screen to go quiet, which it does not while replies stream)
            conversation_id = screen.conversation.id
            await first_text.wait(conversation_id)  # streaming now
            ids.append(conversation_id)
        replies = app.session.replies
        assert set(replies) == set(ids)  # all three at once
        assert len(screen.live.runs) == 3  # each in its own worker
        for conversation_id in (ids[0], ids[1], ids[2], ids[0]):
            await screen.open_conversation(conversation_id)
            live = replies.get(conversation_id)
            if live is None:  # that one finished meanwhile
                continue
            view = screen.query_one(MessagePane).view_for(live.message)
            assert view is not None
            assert view.live
            # What the view shows is this conversation's own reply so far.
            assert live.state.text.startswith(view.shown_text)
            assert view.message.content == "" or live.state.text.startswith(view.message.content)
        await app.workers.wait_for_complete()
        await settle(app, pilot)
        assert replies == {}
    store = ConversationStore(config.data_dir)
    for conversation_id, word in zip(ids, ("alpha", "beta", "gamma"), strict=True):
        messages = store.load(conversation_id).messages
        assert messages[0].content == word
        assert f"“{word}”" in messages[1].content  # each reply answers its own question
        assert messages[1].finish_reason == "stop"
