"""The approval dialog: the model wants to run a tool; the user says whether it may.

It shows the server, the tool and the whole of the arguments (pretty JSON, scrolling,
never cut), and answers with a `Decision`: `y` once, `a` always this session, `n` or
Esc no. It opens on its own, often while the user is typing their next message, so it
takes no answer until `ARM_S` has passed without a key: letters meant for the message
box never run (or always allow) a tool.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Label, Static

from tui.inert import make_inert
from tui.tools.approval import Decision
from tui.tools.model import ToolInfo
from tui.ui.keymap import bindings
from tui.ui.screens.dialogs import DIALOG_CSS
from tui.ui.widgets.tool_blocks import pretty_json

ARM_S = 0.4
"""Quiet time before the dialog takes an answer (each key before that restarts it)."""


class ApprovalDialog(ModalScreen[Decision]):
    """Asks whether one tool call may run."""

    ARM_S = ARM_S

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

    def __init__(self, tool: ToolInfo, arguments: str, *, conversation: str = "") -> None:
        """`conversation`: the title of the conversation whose reply asks."""
        super().__init__()
        self.tool = tool
        self.arguments = arguments
        self.conversation = conversation
        self.armed = False
        """Whether it takes answers yet."""
        self._arming: Timer | None = None
        self._abandoned = False

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
            if self.conversation:
                yield Label(
                    f"Asked by the reply in “{make_inert(self.conversation)}”.",
                    markup=False,
                    classes="description",
                )
            if tool.description:
                first = tool.description.strip().splitlines()[0][:200]
                yield Label(make_inert(first), markup=False, classes="description")
            with VerticalScroll(id="arguments"):
                yield Static(make_inert(pretty_json(self.arguments)), markup=False, id="json")
            yield Label(
                f"y run once · a always allow {make_inert(tool.name)} this session · "
                "n or Esc decline",
                markup=False,
                classes="answer",
            )

    def on_mount(self) -> None:
        self.query_one("#arguments").focus()
        self._arming = self.set_timer(self.ARM_S, self.arm)

    def arm(self) -> None:
        """Take answers from now on (after a quiet `ARM_S`)."""
        self.armed = True

    def on_key(self, event: events.Key) -> None:
        if not self.armed and self._arming is not None:
            self._arming.reset()  # still typing: wait for a pause

    def abandon(self) -> None:
        """The reply that asked was stopped: close now, or once back on top."""
        self._abandoned = True
        if self.is_current:
            self.dismiss(Decision.DENY)

    def on_screen_resume(self) -> None:
        if self._abandoned:
            self.dismiss(Decision.DENY)

    def action_answer(self, word: str) -> None:
        """Close with the user's answer (once the dialog takes answers)."""
        if self.armed:
            self.dismiss(Decision(word))
