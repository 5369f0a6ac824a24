"""Three conversations streaming at once, each in its own worker, switched between."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import FirstText, live_ids, live_reply, settle
from tests.replay_server import ReplayServer, text_case
from tests.ui_harness import make_app
from tui.store import ConversationStore
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.prompt_input import PromptInput

WORDS = ("alpha", "beta", "gamma")


def answer(word: str) -> list[str]:
    """The pieces of the reply to `word`: it names the question first."""
    return [f"You asked “{word}”. ", *(f"{word}-{n} " for n in range(30)), "Done."]


async def test_three_replies_stream_at_once_and_each_shows_its_own_live_state(
    tmp_path: Path,
) -> None:
    server = ReplayServer({word: text_case(word, answer(word)) for word in WORDS})
    await server.start()
    # Each stream stops after its first text until released: all three are certainly
    # live while the test switches between them.
    holds = [server.hold(word, after=1) for word in WORDS]
    app = make_app(tmp_path, server, WORDS[0], cases={word: word for word in WORDS})
    first_text = FirstText()
    try:
        async with app.run_test(size=(120, 36), message_hook=first_text.hook) as pilot:
            screen = app.main_screen
            ids = []
            prompt = screen.query_one(PromptInput)
            for word in WORDS:
                if ids:
                    await screen.action_new_conversation()  # Ctrl+N
                screen.providers.use(word, quiet=True)  # a reply of its own to each
                prompt.load_text(word)
                prompt.action_submit()  # what Enter does (Pilot's key presses wait for
                # the screen to go quiet, which it does not while replies stream)
                conversation_id = screen.conversation.id
                await first_text.wait(conversation_id)  # streaming now
                ids.append(conversation_id)
            assert live_ids(app) == set(ids)  # all three at once
            assert len(app.main_screen.live.runs) == 3  # each in its own worker
            for conversation_id, word in zip((*ids, ids[0]), (*WORDS, WORDS[0]), strict=True):
                await screen.open_conversation(conversation_id)
                live = live_reply(app, conversation_id)
                assert live is not None  # held: still streaming
                view = screen.query_one(MessagePane).view_for(live.message)
                assert view is not None
                assert view.live
                # What the view shows is this conversation's own reply so far.
                assert live.state.text.startswith(view.shown_text)
                assert view.message.content == "" or live.state.text.startswith(
                    view.message.content
                )
                assert view.shown_text == live.state.text == answer(word)[0]
            for hold in holds:
                hold.release()
            # (The reply workers: a cancelled look-up of a context window would raise.)
            await app.workers.wait_for_complete(list(screen.live.runs))
            await settle(app, pilot)
            assert live_ids(app) == set()
    finally:
        await server.stop()
    store = ConversationStore(tmp_path / "data")
    for conversation_id, word in zip(ids, WORDS, strict=True):
        messages = store.load(conversation_id).messages
        assert messages[0].content == word
        assert f"“{word}”" in messages[1].content  # each reply answers its own question
        assert messages[1].content == "".join(answer(word))
        assert messages[1].finish_reason == "stop"
