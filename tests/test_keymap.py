"""The table of keys in `tui.ui.keymap` against what is bound, offered, shown and documented."""

from __future__ import annotations

import asyncio
import inspect
import re
from pathlib import Path

import pytest
from textual.actions import parse
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message

from tests.replay_server import ReplayServer
from tests.ui_harness import make_app
from tui.ui import keymap
from tui.ui.app import ChatApp
from tui.ui.keymap import KEYS, Key, Where, key_display
from tui.ui.messages import ReplyDelta
from tui.ui.screens.approval import ApprovalDialog
from tui.ui.screens.compare import CompareScreen
from tui.ui.screens.help import HelpDialog
from tui.ui.screens.main import MainScreen
from tui.ui.screens.stats_screen import StatsScreen
from tui.ui.screens.tools_screen import ToolsScreen
from tui.ui.widgets.conversation_list import ConversationList
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.prompt_input import PromptInput

README = Path(__file__).parent.parent / "README.md"

NODES: dict[Where, type[DOMNode]] = {
    "app": ChatApp,
    "chat": MainScreen,
    "prompt": PromptInput,
    "message": MessagePane,
    "list": ConversationList,
    "compare": CompareScreen,
    "approval": ApprovalDialog,
    "tools": ToolsScreen,
    "stats": StatsScreen,
    "help": HelpDialog,
}
"""The class each `Where` is bound on."""

README_TABLES = {
    "| key | what it does |": "Anywhere",
    "| key | on a focused message |": "On a focused message",
    "| key | on the compare screen |": "Comparing replies",
    "| key | in the conversation list |": "In the conversation list",
    "| key | asked to run a tool |": "Asked to run a tool",
    "| key | on the Tools screen |": "On the Tools screen",
}
"""Each key table of the README, by its header line, and the help section it lists."""


def bound(entry: Key) -> bool:
    return entry.key is not None and entry.action is not None


def declared_bindings(node: type[DOMNode]) -> list[Binding]:
    """Every binding that tui's own classes in `node`'s MRO declare (not Textual's)."""
    found: list[Binding] = []
    for cls in node.__mro__:
        if cls.__module__.startswith("tui."):
            for binding in cls.__dict__.get("BINDINGS", []):
                assert isinstance(binding, Binding), (cls, binding)
                found.append(binding)
    return found


def test_ids_are_unique_and_kebab_case() -> None:
    ids = [k.id for k in KEYS]
    assert len(ids) == len(set(ids))
    for key_id in ids:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key_id), key_id


def test_every_where_has_its_node_and_section() -> None:
    assert {k.where for k in KEYS} <= set(NODES)
    assert set(keymap.SECTIONS) == set(NODES)


@pytest.mark.parametrize("where", list(NODES))
def test_the_node_binds_exactly_its_keys_of_the_table(where: Where) -> None:
    by_id = {k.id: k for k in KEYS}
    declared = declared_bindings(NODES[where])
    for binding in declared:
        assert binding.id in by_id, f"{binding.key} -> {binding.action} is not in the table"
        entry = by_id[binding.id]
        assert entry.where == where
        assert (binding.key, binding.action) == (entry.key, entry.action)
        assert binding.description == entry.label
        assert (binding.show, binding.priority) == (entry.show, entry.priority)
    expected = {k.id for k in KEYS if k.where == where and bound(k)}
    assert [b.id for b in declared if b.id in expected] == [b.id for b in declared]
    assert {b.id for b in declared} == expected


def test_mixins_leave_their_keys_to_the_main_screen() -> None:
    # One BINDINGS list per node: keys declared on a mixin would be a second source.
    owners = [c for c in MainScreen.__mro__ if "BINDINGS" in c.__dict__]
    assert [c for c in owners if c.__module__.startswith("tui.")] == [MainScreen]


@pytest.mark.parametrize("entry", [k for k in KEYS if k.action], ids=lambda k: k.id)
def test_every_action_exists_on_its_target(entry: Key) -> None:
    assert entry.action is not None
    namespace, name, _ = parse(entry.action)
    targets: dict[str, type[DOMNode]] = {"": NODES[entry.where], "app": ChatApp}
    # Widgets' "screen." actions run on the main screen they live in.
    targets["screen"] = MainScreen
    assert hasattr(targets[namespace], f"action_{name}"), entry.action


@pytest.mark.parametrize("entry", keymap.palette_keys(), ids=lambda k: k.id)
def test_palette_actions_run_on_the_app_or_the_main_screen(entry: Key) -> None:
    assert entry.palette_action is not None
    namespace, name, _ = parse(entry.palette_action)
    assert namespace == ""
    if entry.where not in ("app", "chat"):
        assert entry.command is not None, "a widget's action needs a main-screen command"
    target = ChatApp if entry.where == "app" else MainScreen
    assert hasattr(target, f"action_{name}")


def test_every_key_with_a_help_row_says_what_it_does() -> None:
    for entry in KEYS:
        assert entry.label
        if entry.palette:
            assert entry.words, entry.id
        if not bound(entry) and entry.action is None:
            assert entry.display, entry.id
            assert entry.help, entry.id


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("ctrl+r", "Ctrl+R"),
        ("f1,question_mark", "F1 / ?"),
        ("left_square_bracket", "["),
        ("d,delete", "d / Delete"),
        ("alt+enter,shift+enter", "Alt+Enter / Shift+Enter"),
        ("ctrl+end", "Ctrl+End"),
        ("slash", "/"),
        ("up", "↑"),
    ],
)
def test_key_display(key: str, shown: str) -> None:
    assert key_display(key) == shown


def test_footer_order_comes_from_the_footer_places() -> None:
    shown = [b for b in keymap.bindings("chat") if isinstance(b, Binding) and b.show]
    assert [b.description for b in shown] == [
        "Copy reply",
        "Regenerate",
        "New",
        "Search",
        "Stop",
        "Model",
        "Compare",
    ]


def readme_table(text: str, header: str) -> list[tuple[str, str]]:
    """The (key, what it does) rows of the README table under `header`, backticks gone."""
    lines = text.splitlines()
    start = lines.index(header)
    rows: list[tuple[str, str]] = []
    for line in lines[start + 1 :]:
        if not line.startswith("|"):
            break
        if re.fullmatch(r"\|( ?-+ ?\|)+", line.replace(" ", "")):
            continue
        cells = [c.strip().replace("`", "") for c in line.strip().strip("|").split(" | ")]
        assert len(cells) == 2, line
        rows.append((cells[0], cells[1]))
    return rows


def test_readme_key_tables_list_exactly_the_tables_keys() -> None:
    text = README.read_text(encoding="utf-8")
    sections = dict(keymap.help_sections(readme=True))
    documented = {title for title, rows in sections.items() if rows}
    assert documented == set(README_TABLES.values())
    for header, title in README_TABLES.items():
        assert readme_table(text, header) == sections[title], header


def test_help_screen_lists_every_documented_key() -> None:
    rows = [row for _, rows in keymap.help_sections() for row in rows]
    assert ("Escape", "stop the streaming reply (kept, marked cancelled) / cancel editing") in rows
    assert ("[ / ]", "previous / next version of a regenerated or compared reply") in rows
    shown = " ".join(keys for keys, _ in rows)
    for entry in KEYS:
        if entry.help:
            assert entry.display in shown, entry.id


def palette_titles(app: ChatApp) -> list[str]:
    return [command.title for command in app.get_system_commands(app.screen)]


NEEDS_A_REPLY = {"stop-reply", "edit-last", "regenerate", "copy-reply", "copy-conversation"}
NEEDS_A_REPLY |= {"prev-version", "next-version", "fork", "export"}
NOT_AT_START = NEEDS_A_REPLY | {"remove-pasted"}  # that one needs a pasted image


async def test_palette_offers_only_what_applies_now(tmp_path: Path, replay: ReplayServer) -> None:
    stop = next(k for k in KEYS if k.id == "stop-reply").palette_title
    first_chunk = asyncio.Event()

    def hook(message: Message) -> None:
        if isinstance(message, ReplyDelta):
            first_chunk.set()

    hold = replay.hold("openai_include_usage", after=2)  # streaming until Esc
    app = make_app(tmp_path, replay, "held", cases={"held": "openai_include_usage"})
    async with app.run_test(size=(120, 36), message_hook=hook) as pilot:
        await pilot.pause()
        idle = palette_titles(app)
        assert stop not in idle
        palette = keymap.palette_keys()
        expected = [k.palette_title for k in palette if k.id not in NOT_AT_START]
        assert [t for t in idle if t in {k.palette_title for k in palette}] == expected
        assert {"Theme", "Quit", "Keys"} <= set(idle)  # Textual's own commands stay

        await pilot.press(*"hi", "enter")
        await first_chunk.wait()
        assert hold.reached.is_set()
        streaming = palette_titles(app)
        assert stop in streaming
        assert "Regenerate reply  (Ctrl+R)" not in streaming  # not while it streams
        assert "Copy conversation" in streaming

        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        done = palette_titles(app)
        assert stop not in done
        assert {"Regenerate reply  (Ctrl+R)", "Copy last reply  (Ctrl+T)"} <= set(done)
        assert "Next version of the reply  (] (message))" not in done  # only one version


async def run_command(app: ChatApp, title: str) -> None:
    """Run the palette's command `title` as choosing it would."""
    command = next(c for c in app.get_system_commands(app.screen) if c.title == title)
    result = command.callback()
    if inspect.isawaitable(result):
        await result


async def test_palette_runs_the_action_on_the_main_screen(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        shown_before = app.main_screen.query_one("#sidebar").display
        await run_command(app, "Toggle sidebar  (F4)")
        assert app.main_screen.query_one("#sidebar").display != shown_before
        await run_command(app, "Help  (F1)")
        await pilot.pause()
        assert isinstance(app.screen, HelpDialog)
