"""Small modal dialogs: ask for a line or a block of text, a yes/no answer, or a choice."""

from __future__ import annotations

from typing import ClassVar

from textual import events, on
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
    & > Vertical > Label { width: 100%; }  /* a long line wraps inside the box */
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


class ChoiceDialog(ModalScreen[str | None]):
    """Explain a situation and offer a few ways on, one button each (its first letter
    is its key); Esc or Cancel dismisses with None."""

    DEFAULT_CSS = "ChoiceDialog {" + DIALOG_CSS + "} ChoiceDialog Label { width: 1fr; }"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, text: str, choices: list[tuple[str, str]]) -> None:
        """`choices` are (id, button label) pairs, the first one focused."""
        super().__init__()
        self.title_text = title
        self.text = text
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Label(self.text)
            with Horizontal():
                for choice_id, label in self.choices:
                    yield Button(label, id=choice_id, variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def on_key(self, event: events.Key) -> None:
        for choice_id, label in self.choices:
            if event.character and event.character.lower() == label[0].lower():
                event.stop()
                self.dismiss(choice_id)
                return

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)
