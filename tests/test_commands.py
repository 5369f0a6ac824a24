"""Commands around the chat: providers, conversations, versions, clipboard, state."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.widgets import Input, OptionList, TextArea

from tests.helpers import catalog, pane_text, saved_by_id, send, settle, type_text, views
from tests.replay_server import ReplayServer, load_cases
from tests.ui_harness import make_app
from tui.domain import ChatMessage, Conversation, Role
from tui.session.catalog import Readiness
from tui.store import ConversationStore
from tui.ui.screens.dialogs import ConfirmDialog, TextDialog
from tui.ui.screens.model_picker import ModelPickerDialog
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.prompt_input import PromptInput

CASES = load_cases()
GUIDE_BLOCKS = 2  # the offline guide holds a shell block and a TOML block


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def save_exchanges(store: ConversationStore, exchanges: list[tuple[str, str]]) -> dict[str, str]:
    """A saved conversation per (question, answer); their ids by question."""
    ids = {}
    for question, answer in exchanges:
        conv = Conversation.start("offline", "offline-guide")
        conv.add(ChatMessage(Role.USER, question))
        conv.add(ChatMessage(Role.ASSISTANT, answer, finish_reason="stop"))
        store.save(conv)
        ids[question] = conv.id
    return ids


async def test_picker_lists_live_models_and_f3_cycles_ready_providers(
    replay: ReplayServer, tmp_path: Path
) -> None:
    cases = {"first": "openai_basic_stop", "second": "anthropic_basic_end_turn"}
    app = make_app(tmp_path, replay, "first", cases=cases)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ModelPickerDialog)
        picker.query_one("#providers", OptionList).highlighted = list(app.config.providers).index(
            "second"
        )
        await pilot.pause()  # the highlight message starts the fetch worker
        await settle(app, pilot)
        models = picker.query_one("#models", OptionList)
        # The configured model first, then the ones the server listed.
        assert [models.get_option_at_index(i).id for i in range(models.option_count)] == [
            "fixture-model",
            "model-a",
            "model-b",
        ]
        assert catalog(app).readiness["second"] is Readiness.READY
        models.focus()
        models.highlighted = 2
        await pilot.press("enter")
        await pilot.pause()
        assert (app.main_screen.provider.name, app.main_screen.provider.model) == (
            "second",
            "model-b",
        )
        # F3 goes round the ready providers in config order: presets that need a key
        # (none set here) and local servers not found are skipped.
        await pilot.press("f3")
        assert app.main_screen.provider.name == "offline"
        await pilot.press("f3")
        assert app.main_screen.provider.name == "first"  # checked when the picker opened
        await pilot.press("f3")
        assert app.main_screen.provider.name == "second"


async def test_rename_fork_and_delete_to_trash(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "original")
        first_id = app.main_screen.conversation.id
        await pilot.press("ctrl+l")  # to the list
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one(Input).value = "Renamed by hand"
        await pilot.press("enter")
        await settle(app, pilot)
        assert saved_by_id(tmp_path)[first_id]["conversation"]["title"] == "Renamed by hand"

        app.main_screen.conversation_list.focus()
        await pilot.press("f")
        await settle(app, pilot)
        fork_id = app.main_screen.conversation.id
        assert fork_id != first_id
        files = saved_by_id(tmp_path)
        assert files[fork_id]["conversation"]["title"] == "Renamed by hand (fork)"
        assert files[fork_id]["messages"] == files[first_id]["messages"]

        app.main_screen.conversation_list.focus()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(app, pilot)
        assert set(saved_by_id(tmp_path)) == {first_id}
        trashed = tmp_path / "data" / "trash" / f"{fork_id}.toml"
        assert tomllib.loads(trashed.read_text())["conversation"]["id"] == fork_id
        assert list(app.main_screen.conversation_list.entries) == [first_id]


async def test_filter_matches_titles_and_message_text(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "data")
    ids = save_exchanges(
        store,
        [
            ("Trip to France", "Where to eat"),
            ("Rust lifetimes", "borrow"),
            ("Dinner", "A bistro in Paris"),
        ],
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        listing = app.main_screen.conversation_list
        await pilot.press("ctrl+f")
        await type_text(pilot, "paris")
        await settle(app, pilot)
        assert listing.only == {ids["Dinner"]}
        await pilot.press(*["backspace"] * 5)
        await type_text(pilot, "fran")
        await settle(app, pilot)
        assert listing.only == {ids["Trip to France"]}
        await pilot.press(*["backspace"] * 4)
        await settle(app, pilot)
        assert listing.only is None
        assert len(listing.entries) == 3


async def test_regenerate_keeps_the_old_reply_as_a_version(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "first")
        first_reply = app.main_screen.conversation.messages[-1]
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        conv = app.main_screen.conversation
        assert [m.role for m in conv.messages] == [Role.USER, Role.ASSISTANT]
        reply = conv.messages[-1]
        assert reply is not first_reply
        assert len(reply.alternatives) == 1
        assert reply.alternatives[0].content == first_reply.content
        assert "version 2 of 2" in views(app)[-1].who
        await pilot.press("ctrl+o", "left_square_bracket")
        await settle(app, pilot)
        assert app.main_screen.conversation.messages[-1].version == 0
        stored = saved_by_id(tmp_path)[conv.id]["messages"][-1]
        assert stored["version"] == 0
        assert len(stored["alternatives"]) == 1


async def test_up_in_empty_prompt_edits_and_resends_the_last_message(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "first wording")
        prompt = app.main_screen.query_one(PromptInput)
        await pilot.press("up")
        assert prompt.text == "first wording"
        prompt.load_text("second wording")
        await pilot.press("enter")
        await settle(app, pilot)
        conv = app.main_screen.conversation
        user, reply = conv.messages
        assert user.content == "second wording"
        assert "second wording" in reply.content
        assert "first wording" in reply.alternatives[0].content  # the old reply stays
        assert prompt.text == ""


async def test_system_prompt_is_sent_with_the_request(replay: ReplayServer, tmp_path: Path) -> None:
    app = make_app(tmp_path, replay, "openai_basic_stop")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one(TextArea).load_text("Answer like a pirate.")
        await pilot.press("ctrl+s")
        await send(app, pilot, "hi")
    (_, _, body) = replay.requests[-1]
    assert body["messages"][0] == {"role": "system", "content": "Answer like a pirate."}
    (conv,) = saved_by_id(tmp_path).values()
    assert conv["conversation"]["system_prompt"] == "Answer like a pirate."


async def test_export_writes_markdown(tmp_path: Path) -> None:
    target = tmp_path / "out" / "chat.md"
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "export me")
        await pilot.press("ctrl+l", "e")
        await pilot.pause()
        dialog_input = app.screen.query_one(Input)
        assert dialog_input.value.endswith("export-me.md")  # default: in the current folder
        dialog_input.value = str(target)
        await pilot.press("enter")
        await settle(app, pilot)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# export me\n")
    assert "## You\n\nexport me" in text
    assert "*stop ·" in text


async def test_copy_reply_message_and_code_blocks(fake_clipboard: Path, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "hi")
        reply = app.main_screen.conversation.messages[-1].content
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert read(fake_clipboard) == reply  # the system clipboard tool got it
        assert app.clipboard == reply  # and OSC 52 went out too

        await pilot.press("ctrl+o", "b")
        await settle(app, pilot)
        assert app.clipboard.startswith("export OPENAI_API_KEY=")
        assert read(fake_clipboard) == app.clipboard
        await pilot.press("b")
        await settle(app, pilot)
        assert app.clipboard.startswith('default_provider = "myserver"')

        await pilot.press("up", "c")  # the user's message
        await settle(app, pilot)
        assert app.clipboard == "hi"


async def test_theme_and_sidebar_persist_between_runs(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        assert "tui-paper" in app.available_themes  # the project's own themes loaded
        app.theme = "tui-paper"
        await pilot.press("f4")
        assert not app.main_screen.query_one("#sidebar").display
        await pilot.press("ctrl+q")
    again = make_app(tmp_path)
    async with again.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert again.theme == "tui-paper"
        assert not again.main_screen.query_one("#sidebar").display


async def test_filter_never_matches_the_file_format(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "data")
    ids = save_exchanges(
        store, [("Greeting", "hello"), ("Capital", "paris"), ("Theatre", "a lead role")]
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        listing = app.main_screen.conversation_list
        await pilot.press("ctrl+f", *"role")  # a key of every message in the files
        await settle(app, pilot)
        assert listing.only == {ids["Theatre"]}
        await pilot.press(*["backspace"] * 4, *"assistant")
        await settle(app, pilot)
        assert listing.only == set()


async def test_every_action_is_in_the_command_palette(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(app, pilot, "hi")  # a finished reply: every command applies
        titles = [c.title for c in app.get_system_commands(app.screen)]
    for expected in (
        "New conversation  (Ctrl+N)",
        "Pick provider and model  (F2)",
        "Regenerate reply  (Ctrl+R)",
        "Delete conversation  (d (list))",
        "Export conversation  (e (list))",
        "Copy conversation",
    ):
        assert expected in titles


async def test_long_conversation_opens_with_its_tail_and_pages_earlier_messages(
    tmp_path: Path,
) -> None:
    store = ConversationStore(tmp_path / "data")
    conv = Conversation.start("offline", "offline-guide")
    for number in range(30):  # some screenfuls
        conv.add(ChatMessage(Role.USER, f"question {number}"))
        conv.add(ChatMessage(Role.ASSISTANT, f"answer {number}", finish_reason="stop"))
    store.save(conv)
    before = store.path_for(conv.id).read_bytes()
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await app.main_screen.open_conversation(conv.id)
        await settle(app, pilot)
        pane = app.main_screen.query_one(MessagePane)
        assert [view.message for view in pane.views] == conv.messages  # all of them, drawn
        measured = [width for width in pane.places.measured if width > 0]
        assert 2 <= len(measured) <= 16  # only those on screen were measured
        assert pane_text(pane)[-2].strip().startswith("✓ stop")
        assert any(row.strip() == "answer 29" for row in pane_text(pane))
        await pilot.press("ctrl+o")
        await pilot.press(*["up"] * 59)  # every message comes on screen on the way up
        await pilot.pause()
        assert pane.focused_view is pane.views[0]
        assert pane.scroll_y == 0
        assert [row.strip() for row in pane_text(pane)[:2]] == ["█You", "█question 0"]
    assert store.path_for(conv.id).read_bytes() == before  # looking never rewrites the file


async def test_a_narrow_terminal_hides_the_list_until_asked_for(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        sidebar = app.main_screen.query_one("#sidebar")
        assert sidebar.display
        await pilot.resize_terminal(70, 30)  # the messages would get 36 columns
        await pilot.pause()
        assert not sidebar.display
        assert app.focused is app.main_screen.query_one(PromptInput)
        await pilot.press("f4")  # asked for: shown, narrow or not
        assert sidebar.display
        await pilot.press("f4")
        assert not sidebar.display
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        assert not sidebar.display  # hidden by the user: stays hidden
        await pilot.press("f4", "ctrl+f")
        assert sidebar.display
        assert app.focused is app.main_screen.query_one("#filter")
        await pilot.resize_terminal(70, 30)
        await pilot.pause()
        assert not sidebar.display  # shown on a wide screen: hidden again when narrow
        assert app.focused is app.main_screen.query_one(PromptInput)  # not the hidden filter
