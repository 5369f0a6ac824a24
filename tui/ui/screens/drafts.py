"""Unsent messages, kept across runs.

The text in the message box and the drafts of the other conversations go into the app
state (`state.toml`) a second after typing stops and at quit, and come back at the next
start: quitting, a crash or a closed terminal window loses no typed message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.timer import Timer

from tui.domain import Conversation
from tui.ui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from tui.ui.screens.main import MainScreen

NEW = "new"
"""The key of the draft of a new conversation (not on disk until its first message):
Ctrl+N brings it back."""
SAVE_AFTER_S = 1.0
"""How long after the last key the drafts are saved."""


class Drafts(dict[str, str]):
    """Unsent text of the conversations not on screen, by `key`; also saves and
    restores all of it, the box's text included."""

    def __init__(self, screen: MainScreen) -> None:
        super().__init__()
        self._screen = screen
        self._timer: Timer | None = None

    @staticmethod
    def key(conv: Conversation) -> str:
        """Where `conv`'s draft is kept: its id, or `NEW` before its first message."""
        return conv.id if conv.messages else NEW

    def restore(self) -> None:
        """Take the drafts saved last time; with no conversation to reopen, the new
        conversation's goes in the box."""
        state = self._screen.session.state
        self.update(state.drafts)
        box = self._screen.query_one(PromptInput)
        if NEW in self and not state.last_conversation and not box.text:
            box.load_text(self.pop(NEW))
            box.move_cursor(box.document.end)

    def typed(self) -> None:
        """The box changed: save the drafts once typing stops."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._screen.set_timer(SAVE_AFTER_S, self._screen.save_state)

    def collect(self) -> dict[str, str]:
        """Every draft to save: those of conversations on disk, and the box's."""
        screen = self._screen
        store = screen.session.store
        saved = {
            key: text
            for key, text in self.items()
            if key == NEW or store.path_for(key).exists()  # (not a deleted one's)
        }
        box = screen.query_one(PromptInput).text
        if box.strip():
            saved[self.key(screen.conversation)] = box
        return saved
