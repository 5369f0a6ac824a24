"""`HelpDialog`: every key, and where the config and data live."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.config import Config

KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Anywhere",
        [
            ("Enter", "send the message"),
            ("Ctrl+J", "new line in the message (also Alt+Enter / Shift+Enter)"),
            ("Up (empty box)", "edit your last message; Enter resends it"),
            ("Escape", "stop the streaming reply (kept, marked cancelled) / cancel editing"),
            ("Ctrl+N", "new conversation"),
            ("Ctrl+R", "regenerate the last reply (the old one is kept as a version)"),
            ("Ctrl+T", "copy the last finished reply"),
            ("F2", "pick provider and model (models are fetched live)"),
            ("F3", "switch to the next ready provider"),
            ("F4", "show / hide the conversation list"),
            ("F5", "edit this conversation's system prompt"),
            ("F6", "reasoning: effort (OpenAI-style) or thinking budget (Anthropic)"),
            ("F7", "compare: send the typed message to 2 to 4 models side by side"),
            ("Ctrl+O", "focus the messages (then the keys below)"),
            ("Ctrl+L", "move between the list and the message box"),
            ("Ctrl+F", "filter conversations by title or text"),
            ("Ctrl+G", "search every conversation; Enter opens one at the match"),
            ("@path, Tab", "attach a text file to the message (Tab completes the name)"),
            ("Ctrl+End", "jump to the end and follow the stream"),
            ("Ctrl+P", "command palette: every action, themes, personas"),
            ("F1 / ?", "this help"),
            ("Ctrl+Q", "quit (everything is saved first)"),
        ],
    ),
    (
        "On a focused message",
        [
            ("c", "copy the message (a streaming one is copied as partial)"),
            ("b", "copy a code block; press again for the next one"),
            ("[ / ]", "previous / next version of a regenerated reply"),
            ("e", "edit your last message"),
            ("r", "regenerate the last reply"),
            ("↑ / ↓", "previous / next message"),
            ("Escape", "back to the message box"),
        ],
    ),
    (
        "Comparing replies",
        [
            ("1 to 4", "keep that reply (the others stay as its versions)"),
            ("← / →, Enter", "move between replies; keep the focused one"),
            ("s", "stop the focused reply"),
            ("Escape", "stop all; once all are done, keep the first"),
        ],
    ),
    (
        "In the conversation list",
        [
            ("Enter", "open"),
            ("r", "rename"),
            ("d / Delete", "delete (the file goes to the trash folder)"),
            ("f", "fork (copy and continue separately)"),
            ("e", "export as Markdown"),
            ("/", "filter"),
        ],
    ),
]


def help_table(config: Config) -> Table:
    """The keys and paths as one Rich table."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for section, rows in KEYS:
        table.add_row(Text(section, style="bold underline"), "")
        for key, what in rows:
            table.add_row(key, what)
        table.add_row("", "")
    table.add_row(Text("Files", style="bold underline"), "")
    table.add_row("config", str(config.config_path))
    table.add_row("conversations", str(config.data_dir / "conversations"))
    table.add_row("trash", str(config.data_dir / "trash"))
    return table


class HelpDialog(ModalScreen[None]):
    """Shows `help_table`; any of Escape, q, F1 closes it."""

    DEFAULT_CSS = """
    HelpDialog { align: center middle; }
    HelpDialog > VerticalScroll {
        width: 90; max-width: 95%; height: 90%; border: thick $primary;
        background: $surface; padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1", "dismiss", "Close", id="close-help"),
    ]

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "tui-chat keys (Esc closes)"
            yield Static(help_table(self.config))
