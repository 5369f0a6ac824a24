"""`MessagePane`: the open conversation's messages, following the stream at the bottom."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from tui.domain import ChatMessage, Conversation
from tui.providers.events import ReasoningDelta
from tui.ui.messages import ReplyDelta, ReplyMessage, ReplyRetrying, ReplyTools
from tui.ui.pictures import PictureCache
from tui.ui.widgets.message_view import MessageView

# Opening a long conversation mounts only what fills the pane (and a little more); older
# messages come a page at a time on request. Every widget costs style and layout work.
SHOWN_AT_OPEN = 12
EARLIER_PAGE = 40
ROWS_PER_MESSAGE = 3
"""The rows a message takes besides its text: its role line, margin, finish line."""
ROWS_PER_IMAGE = 10
"""About the rows an image under a question takes (the most is 20)."""


def shown_at_open(messages: list[ChatMessage], rows: int, width: int) -> int:
    """How many of the newest `messages` to mount so that they fill `rows` and a bit."""
    needed, count = rows + rows // 4, 0
    for message in reversed(messages[-SHOWN_AT_OPEN:]):
        count += 1
        text = message.content or message.refusal
        needed -= ROWS_PER_MESSAGE + ROWS_PER_IMAGE * len(message.images)
        needed -= sum(1 + len(line) // width for line in text.splitlines())
        if needed <= 0:
            break
    return count


class MessagePane(VerticalScroll):
    """Scrollable list of `MessageView`s. Anchored: it follows new text unless scrolled up."""

    BLANK = True
    """Only background shows between the messages: Textual then draws those rows without
    its styles cache, which the pane's changing size empties on every frame of a stream."""

    DEFAULT_CSS = """
    MessagePane { height: 1fr; }
    MessagePane > #earlier { width: 100%; margin: 0 1 1 1; }
    MessagePane > .empty { color: $text-muted; padding: 1 2; }
    """

    def __init__(self, *, id: str | None = None, pictures: PictureCache | None = None) -> None:
        super().__init__(id=id)
        self.pictures = pictures
        """Draws the messages' images (decoded once each, only when mounted)."""
        self.conversation: Conversation | None = None
        self.following = True
        """False once the user scrolls up, until they come back to the end."""
        self._hidden: list[ChatMessage] = []
        self._live: tuple[ChatMessage, MessageView] | None = None

    def anchor(self, anchor: bool = True) -> None:
        super().anchor(anchor)
        self.following = anchor

    def release_anchor(self) -> None:
        # Textual calls this when the user scrolls (wheel, keys, scrollbar).
        super().release_anchor()
        self.following = False

    async def show(self, conv: Conversation, live: ChatMessage | None = None) -> None:
        """Replace the pane's content with `conv`; `live` is the reply still streaming."""
        self.conversation = conv
        messages = conv.messages
        size = self.size if self.size.height else self.app.size
        count = shown_at_open(messages, size.height, max(size.width - 4, 20))
        self._hidden = messages[: len(messages) - count]
        shown = messages[len(self._hidden) :]
        # The views exist (and the live one receives text) before the first `await`:
        # text that streams in while the old views are removed must not be lost.
        widgets: list[Static | Button | MessageView] = []
        if self._hidden:
            widgets.append(self._earlier_button())
        if not messages:
            widgets.append(
                Static("Type a message below and press Enter to send it.", classes="empty")
            )
        views = [self._view(m, live=m is live) for m in shown]
        self._live = next(((v.message, v) for v in views if v.live), None)
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all([*widgets, *views])
        self.anchor()

    async def add(self, message: ChatMessage, *, live: bool = False) -> MessageView:
        """Append a view for a new message and follow it."""
        for hint in self.query(".empty"):
            await hint.remove()
        view = self._view(message, live=live)
        if live:
            self._live = (message, view)
        await self.mount(view)
        self.anchor()
        return view

    def _view(self, message: ChatMessage, *, live: bool = False) -> MessageView:
        return MessageView(message, live=live, pictures=self.pictures)

    def view_for(self, message: ChatMessage) -> MessageView | None:
        """The view showing `message`, if it is on screen (the live one is found at once)."""
        if self._live is not None and self._live[0] is message:
            return self._live[1]
        for view in self.query(MessageView):
            if view.message is message:
                return view
        return None

    @property
    def scrolled_up(self) -> bool:
        """Whether the user has scrolled away from the newest text (and stayed there)."""
        if not self.following and self.max_scroll_y - self.scroll_y <= 1:
            self.following = True  # Textual re-anchors once the user is back at the end
        return not self.following

    async def reveal(self, message: ChatMessage) -> MessageView | None:
        """Mount `message` if it is among the hidden older ones, then scroll to it."""
        if message in self._hidden:
            start = self._hidden.index(message)
            page, self._hidden = self._hidden[start:], self._hidden[:start]
            with self.app.batch_update():
                for button in self.query("#earlier"):
                    await button.remove()
                widgets: list[Button | MessageView] = [self._view(m) for m in page]
                if self._hidden:
                    widgets.insert(0, self._earlier_button())
                await self.mount_all(widgets, before=0)
        view = self.view_for(message)
        if view is not None:
            self.call_after_refresh(self._scroll_to_top_of, view)
        return view

    def _scroll_to_top_of(self, view: MessageView) -> None:
        # Only when the content overflows the pane: a short conversation stays anchored
        # at the bottom (Textual keeps it there with a negative scroll offset).
        if self.max_scroll_y > 0:
            self.release_anchor()
            self.scroll_to_widget(view, top=True, animate=False)

    def _earlier_button(self) -> Button:
        page = min(EARLIER_PAGE, len(self._hidden))
        label = f"▲ show {page} earlier messages ({len(self._hidden)} not shown)"
        return Button(label, id="earlier", compact=True)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "earlier":
            return
        event.stop()
        page = self._hidden[-EARLIER_PAGE:]
        self._hidden = self._hidden[: len(self._hidden) - len(page)]
        with self.app.batch_update():
            await event.button.remove()
            widgets: list[Button | MessageView] = [self._view(m) for m in page]
            if self._hidden:
                widgets.insert(0, self._earlier_button())
            await self.mount_all(widgets, before=0)

    async def reply_event(self, event: ReplyMessage) -> None:
        """Draw what a reply worker reports."""
        if isinstance(event, ReplyDelta):
            await self.reply_delta(event)
        elif isinstance(event, ReplyTools):
            await self.reply_tools(event)
        elif isinstance(event, ReplyRetrying):
            self.reply_retrying(event)

    async def reply_delta(self, event: ReplyDelta) -> None:
        """Draw what a reply worker reports, when its reply is on screen."""
        run = event.run
        if run.conversation is not self.conversation:
            return
        view = self.view_for(run.message)
        if view is None:
            return
        if event.round < view.round:
            return  # drawn already: the view was built from the message since
        if event.round > view.round:
            await view.next_round(event.round)
        if isinstance(event.delta, ReasoningDelta):
            view.feed_reasoning(run.state.reasoning)
        else:
            view.feed_text(event.delta.text, event.end)

    async def reply_tools(self, event: ReplyTools) -> None:
        """Draw a reply's tool calls as they stand, when it is on screen."""
        run = event.run
        if run.conversation is self.conversation and (view := self.view_for(run.message)):
            await view.show_tools(event.round, event.calls)

    def reply_retrying(self, event: ReplyRetrying) -> None:
        """Say that the reply will be asked for again."""
        retry = event.retry
        self.notify(f"{retry.error.message}\nRetrying once in {retry.delay:g} s.", timeout=6)
