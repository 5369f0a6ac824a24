"""`PromptInput`: the multi-line message box. Enter sends; Ctrl+J adds a newline."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import TextArea

from tui.attachments import complete_path
from tui.ui.keymap import bindings

ECHO_HOLD_S = 0.1
"""The longest a key's echo holds back a streaming reply's next draw."""


class PromptInput(TextArea):
    """A TextArea that posts `Submitted` on Enter. Pasted newlines never send."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("prompt")

    @dataclass
    class Submitted(Message):
        """The user sent `text` (never empty or blank)."""

        text: str

    class EditLastRequested(Message):
        """Up was pressed in the empty box: the user wants to edit their last message."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        self.border_title = "Message"
        self.border_subtitle = "Enter sends · Ctrl+J new line"
        self._typed_at: float | None = None
        """When the oldest key not yet painted was typed."""

    @property
    def echo_pending(self) -> bool:
        """Whether a key typed here is still to be painted. A streaming reply holds its
        next draw meanwhile: drawn together, the key's frame would also repaint the
        whole message pane (tens of ms), and typing would lag behind the fingers."""
        typed = self._typed_at
        return typed is not None and time.monotonic() - typed < ECHO_HOLD_S

    def _hold_for_echo(self) -> None:
        if self._typed_at is None:
            self._typed_at = time.monotonic()
            self.call_after_refresh(self._echoed)

    def _echoed(self) -> None:
        self._typed_at = None

    # Textual runs each class's own handler in turn: TextArea's inserts the text next.
    def on_key(self, event: events.Key) -> None:
        self._hold_for_echo()

    def on_paste(self, event: events.Paste) -> None:
        self._hold_for_echo()

    def action_submit(self) -> None:
        """Send the text if there is any; the box is cleared by whoever accepts it
        (`clear_sent`)."""
        # Enter is a priority binding: it runs at once, in the App's task, while keys
        # typed just before it may still wait in this widget's queue. Read the text
        # after them, or a fast typist (or a paste) sends a truncated message.
        self.call_later(self.submit)

    def submit(self) -> None:
        """Send the text in the box now, if there is any (what Enter does)."""
        if self.text.strip():
            self.post_message(self.Submitted(self.text))

    def clear_sent(self, text: str) -> None:
        """Take the sent `text` out of the box, keeping what was typed after Enter."""
        if not text or not self.text.startswith(text) or self.text == text:
            self.clear()
            return
        newline = self.document.newline  # the box's own text joins its lines with it
        self.delete((0, 0), (text.count(newline), len(text.rpartition(newline)[2])))

    def action_cursor_up(self, select: bool = False) -> None:
        """Up moves the cursor; in an empty box it asks to edit the last message."""
        if not self.text and not select:
            self.post_message(self.EditLastRequested())
        else:
            super().action_cursor_up(select)

    def action_complete_path(self) -> None:
        """Tab after `@partial/pa` completes the file name (relative to the working
        directory); anywhere else it moves the focus on, as usual."""
        row, column = self.cursor_location
        line = self.document.get_line(row)[:column]
        word = line.rsplit(maxsplit=1)[-1] if line.strip() and not line.endswith(" ") else ""
        if not word.startswith("@"):
            self.screen.focus_next()
            return
        completed, candidates = complete_path(word[1:], Path.cwd())
        if len(completed) > len(word) - 1:
            self.insert(completed[len(word) - 1 :])
        elif len(candidates) > 1:
            names = "  ".join(c.rstrip("/").rsplit("/", 1)[-1] for c in candidates[:12])
            self.notify(names + ("  …" if len(candidates) > 12 else ""), title="@ files")
        elif not candidates:
            self.notify(f"No file starts with {word[1:]!r}.", severity="warning")

    def action_newline(self) -> None:
        """Insert a line break at the cursor."""
        self.insert("\n")
