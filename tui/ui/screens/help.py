"""`HelpDialog`: every key, and where the config and data live."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.config import Config
from tui.ui.keymap import bindings, help_sections
from tui.ui.user_keys import user_keymap


def help_table(config: Config) -> Table:
    """The keys (from `tui.ui.keymap`) and paths as one Rich table."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for section, rows in help_sections(keymap=user_keymap(config.keys)):
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
    BINDINGS: ClassVar[list[BindingType]] = bindings("help")

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "tui-chat keys (Esc closes)"
            yield Static(help_table(self.config))
