"""Keys typed before the message box is ready: kept, then handed to it in order.

People type the moment they have pressed Enter on `tui-chat`. Textual reads those keys
as soon as its driver runs, but until the main screen has mounted and focused the
prompt, `App.on_event` sends a key to the screen when nothing has focus (which drops
it) or to the list filter, which the screen focuses on its own first. `Typeahead` sits
in front of `App.on_event`: until a `PromptInput` has had focus once, every key and
paste waits here, and is then handed over in order.

Start-up work that loads other text into the box (reopening the last conversation)
runs inside `keeping_typed`: keys wait again meanwhile, and what had been typed is put
back before the keys that waited follow.

Handing over is a burst, and Textual does not keep a burst in order: printable keys
are inserted by the box as it reads its queue, but keys bound to actions (Backspace,
Ctrl+J) act only once they have bubbled back up to the App, after the keys behind
them were inserted ("Helo⌫lo" became "Helolo"). So what people type blind, text,
pastes, Backspace, new lines and Enter, is applied to the box directly, in order;
from the first other key (arrows, Tab, F-keys…) on, keys take the App's own path.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any
from weakref import WeakKeyDictionary

from textual import events
from textual.app import App, ScreenStackError
from textual.widget import Widget

from tui.terminal_mode import typed_while_cooked
from tui.ui.widgets.prompt_input import PromptInput

Typed = events.Key | events.Paste
"""What a person types: keys, and pastes (one event per bracketed paste)."""

NEWLINE_KEYS = frozenset({"ctrl+j", "shift+enter", "alt+enter"})
"""The box's keys for a line break (`PromptInput.BINDINGS`)."""

_by_app: WeakKeyDictionary[App[Any], Typeahead] = WeakKeyDictionary()


class Typeahead:
    """Holds keys and pastes until a `PromptInput` has had focus, then hands them over.

    Args:
        app: The app whose input this guards.
        deliver: The App's own `on_event`: the path a key takes when nothing waits.
    """

    def __init__(self, app: App[Any], deliver: Callable[[events.Event], Awaitable[None]]) -> None:
        self._app = app
        self._deliver = deliver
        self._open = False
        """Whether the box has had focus (from then on keys wait only while held)."""
        self._holds = 0
        self.waiting: deque[Typed] = deque()
        """Keys and pastes not handed over yet, oldest first."""
        self.cooked_bytes = typed_while_cooked()
        """Bytes typed while the terminal was in cooked mode and not read yet. Its
        ICRNL turned Enter into Ctrl+J: a Ctrl+J among them is taken as Enter."""
        _by_app[app] = self

    async def take(self, event: events.Event) -> bool:
        """Keep `event` if typing must wait now.

        Returns:
            True if the event was kept (the App must not handle it).
        """
        if not self._open and self._box_focused(event):
            self._open = True
            await self._hand_over()
        if not isinstance(event, Typed) or event.is_forwarded:
            return False
        typed = self._as_typed(event)
        if self._passing() and not self.waiting:
            if typed is event:
                return False
            await self._deliver(typed)
        else:
            self.waiting.append(typed)
        return True

    @asynccontextmanager
    async def keeping(self, box: PromptInput) -> AsyncIterator[None]:
        """Run work that may load other text into `box` without losing what is typed:
        keys wait meanwhile; afterwards the text typed before is put back in front of
        whatever `box` holds, and the keys that waited follow it."""
        self._holds += 1
        try:
            await _caught_up(box)  # keys already on their way are in the box
            typed = box.text
            try:
                yield
            finally:
                if typed and not box.text.startswith(typed):
                    box.load_text(typed + box.text)
                    box.move_cursor(box.document.end)
        finally:
            self._holds -= 1
            self._app.call_later(self._hand_over)

    def _passing(self) -> bool:
        return self._open and not self._holds

    def _as_typed(self, event: Typed) -> Typed:
        """`event` as it was typed: Enter, if it is a Ctrl+J typed in cooked mode."""
        if not self.cooked_bytes or not isinstance(event, events.Key):
            return event
        if event.character is None:  # from an escape sequence of unknown length
            self.cooked_bytes = 0
            return event
        self.cooked_bytes = max(0, self.cooked_bytes - len(event.character.encode()))
        return events.Key("enter", "\r") if event.key == "ctrl+j" else event

    def _box_focused(self, event: events.Event) -> bool:
        if isinstance(event, events.DescendantFocus):
            return isinstance(event.widget, PromptInput)
        if not isinstance(event, Typed):
            return False
        try:
            return isinstance(self._app.focused, PromptInput)
        except ScreenStackError:  # no screen yet
            return False

    async def _hand_over(self) -> None:
        # Runs in the App's task, like `take`: nothing typed later overtakes these.
        if not self.waiting or not self._passing():
            return
        focused = self._app.focused
        box = focused if isinstance(focused, PromptInput) else None
        while self.waiting and self._passing():
            event = self.waiting.popleft()
            if box is not None and _edit(box, event):
                continue
            box = None
            await self._deliver(event)


def _edit(box: PromptInput, event: Typed) -> bool:
    """Apply `event` to `box` as typing would; False if it is not a text edit."""
    if isinstance(event, events.Paste):
        box.insert(event.text)
    elif event.is_printable and event.character:
        box.insert(event.character)
    elif event.key in NEWLINE_KEYS:
        box.action_newline()
    elif event.key == "backspace":
        box.action_delete_left()
    elif event.key == "enter":
        box.submit()
    else:
        return False
    return True


def keeping_typed(app: App[Any], box: PromptInput) -> AbstractAsyncContextManager[None]:
    """`Typeahead.keeping(box)` of `app`'s typeahead (a no-op if it has none)."""
    typeahead = _by_app.get(app)
    return typeahead.keeping(box) if typeahead is not None else nullcontext()


async def _caught_up(widget: Widget) -> None:
    """Return once `widget` has handled every message posted to it so far."""
    done = asyncio.Event()
    if widget.call_later(done.set):
        await done.wait()
