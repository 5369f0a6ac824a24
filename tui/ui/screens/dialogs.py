"""Small modal dialogs: ask for a line or a block of text, or a yes/no answer."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, TextArea

DIALOG_CSS = """
    align: center middle;
    & > Vertical {
        width: 80; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    & .help { color: $text-muted; }
    & Horizontal { height: auto; align-horizontal: right; }
    & TextArea { height: 12; }
"""


class TextDialog(ModalScreen[str | None]):
    """Ask for text: one line (Enter accepts) or several (Ctrl+S accepts). Esc cancels."""

    DEFAULT_CSS = "TextDialog {" + DIALOG_CSS + "}"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s", "accept", "Save", priority=True),
    ]

    def __init__(self, title: str, text: str = "", *, multiline: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.initial = text
        self.multiline = multiline

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            if self.multiline:
                yield Label("Ctrl+S saves · Esc cancels", classes="help")
                yield TextArea(self.initial, id="text", soft_wrap=True)
            else:
                yield Label("Enter saves · Esc cancels", classes="help")
                yield Input(self.initial, id="text")

    def on_mount(self) -> None:
        self.query_one("#text").focus()

    def action_accept(self) -> None:
        """Close with the text as it is now."""
        if self.multiline:
            self.dismiss(self.query_one("#text", TextArea).text)
        else:
            self.dismiss(self.query_one("#text", Input).value)

    @on(Input.Submitted, "#text")
    def submitted(self) -> None:
        self.action_accept()


class ConfirmDialog(ModalScreen[bool]):
    """Ask a yes/no question; `y`/Enter on Yes confirms, `n`/Esc declines."""

    DEFAULT_CSS = "ConfirmDialog {" + DIALOG_CSS + "}"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "dismiss(False)", "No"),
        Binding("y", "dismiss(True)", "Yes"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            with Horizontal():
                yield Button(self.yes, id="yes", variant="error")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
