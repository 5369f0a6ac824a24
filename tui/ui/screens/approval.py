"""The approval dialog: the model wants to run a tool; the user says whether it may.

It shows the server, the tool and the whole of the arguments (pretty JSON, scrolling,
never cut), and answers with a `Decision`: `y` once, `a` always this session, `n` or
Esc no.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from tui.inert import make_inert
from tui.tools.approval import Decision
from tui.tools.model import ToolInfo
from tui.ui.keymap import bindings
from tui.ui.screens.dialogs import DIALOG_CSS
from tui.ui.widgets.tool_blocks import pretty_json


class ApprovalDialog(ModalScreen[Decision]):
    """Asks whether one tool call may run."""

    DEFAULT_CSS = (
        "ApprovalDialog {"
        + DIALOG_CSS
        + """
        & > Vertical { width: 100; }
        & #arguments { height: auto; max-height: 24; border: round $panel-lighten-2; }
        & .answer { color: $text-muted; margin-top: 1; }
        & .description { color: $text-muted; }
    }"""
    )
    BINDINGS: ClassVar[list[BindingType]] = bindings("approval")

    def __init__(self, tool: ToolInfo, arguments: str, *, queued: int = 0) -> None:
        """`queued`: how many more calls of the same reply wait to be asked about."""
        super().__init__()
        self.tool = tool
        self.arguments = arguments
        self.queued = queued

    def compose(self) -> ComposeResult:
        tool = self.tool
        with Vertical() as box:
            box.border_title = "Run a tool?"
            yield Label(
                f"The model wants to run {make_inert(tool.name)} on the MCP server "
                f"{make_inert(tool.server)}.",
                markup=False,
                id="question",
            )
            if tool.description:
                first = tool.description.strip().splitlines()[0][:200]
                yield Label(make_inert(first), markup=False, classes="description")
            with VerticalScroll(id="arguments"):
                yield Static(make_inert(pretty_json(self.arguments)), markup=False, id="json")
            more = f" ({self.queued} more calls wait)" if self.queued else ""
            yield Label(
                f"y run once · a always allow {make_inert(tool.name)} this session · "
                f"n or Esc decline{more}",
                markup=False,
                classes="answer",
            )

    def on_mount(self) -> None:
        self.query_one("#arguments").focus()

    def action_answer(self, word: str) -> None:
        """Close with the user's answer."""
        self.dismiss(Decision(word))
