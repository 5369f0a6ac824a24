"""Sending a message from the main screen: attachments, the context-window question,
then the reply."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tui.attachments import AttachmentError, mentioned_files, read_attachment, resolve
from tui.config import ProviderConfig
from tui.context import Window, estimate_tokens, fill, message_tokens, oldest_to_drop, short_count
from tui.domain import ChatMessage, Conversation, Role
from tui.ui.screens.dialogs import ChoiceDialog
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from tui.ui.screens.main import MainScreen


class Sender:
    """Turns the prompt's text into a user message and a reply, on `screen`."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    async def send(self, text: str) -> None:
        """Save the user's message, then start the reply (asking first if it would not fit)."""
        screen, session = self.screen, self.screen.session
        conv = screen.conversation
        if conv.id in session.replies:
            screen.notify("A reply is still streaming here; Esc stops it.", severity="warning")
            return
        if refused := conv.read_only or session.writes_refused:
            screen.notify(
                f"{refused}. Your text stays in the box: Ctrl+N starts a new "
                "conversation, or fork this one (f in the list) to continue in a copy.",
                title="Read-only",
                severity="warning",
            )
            return
        if screen.editing is not None:
            await screen.messages.resend_edited(text)
            return
        user = self.user_message(text)
        if user is None:
            return
        window = session.catalog.window_now(screen.provider)
        need = fill(conv, [user]).tokens
        if window is None or window.tokens is None or need <= window.tokens:
            await self.deliver(conv, user)
            return
        size = window.tokens

        async def chosen(choice: str | None) -> None:
            if choice is None:
                return  # the text stays in the box
            drop = oldest_to_drop(conv, user, size) if choice == "drop" else 0
            await self.deliver(conv, user, drop=drop)
            if drop:
                screen.notify(f"Sent without the {drop} oldest messages; they stay here.")

        dialog = context_full_dialog(conv, user, need, window, screen.provider)
        screen.app.push_screen(dialog, chosen)

    def user_message(self, text: str) -> ChatMessage | None:
        """The user's message with the files it mentions (`@path`) attached; None (and
        a notice) if one cannot be attached."""
        attachments = []
        limit = self.screen.config.attach_limit
        for name in mentioned_files(text, Path.cwd()):
            try:
                attachments.append(read_attachment(resolve(name, Path.cwd()), name, limit))
            except AttachmentError as exc:
                self.screen.notify(
                    f"{exc} Your message was not sent.", title="Attach", severity="error"
                )
                return None
        return ChatMessage(Role.USER, text, attachments=attachments)

    async def deliver(self, conv: Conversation, user: ChatMessage, *, drop: int = 0) -> None:
        """Add the user's message to `conv` and ask for the reply (the oldest `drop`
        messages left out of the request)."""
        screen = self.screen
        if conv.id in screen.session.replies:
            return
        conv.add(user)
        if conv is screen.conversation:
            screen.query_one(PromptInput).clear_sent(user.content)
            await screen.query_one(MessagePane).add(user)
        screen.drafts.pop(conv.id, None)
        await screen.ask_for_reply(conv, drop=drop)


def context_full_dialog(
    conv: Conversation, user: ChatMessage, need: int, window: Window, provider: ProviderConfig
) -> ChoiceDialog:
    """The question asked before sending a message that would overflow the window."""
    size = window.tokens or 0
    drop = oldest_to_drop(conv, user, size)
    total = len(conv.messages)
    if message_tokens(user) + estimate_tokens(conv.system_prompt or "") > size:
        what = "Even this message alone may not fit: dropping sends it with no history."
    else:
        what = f"Dropping leaves out the {drop} oldest of {total} messages from what is sent."
    text = (
        f"This message makes the request about {short_count(need)} tokens, but "
        f"{provider.model} holds {short_count(size)} ({window.source}). {what} The "
        "conversation itself keeps every message. Send anyway lets the server decide "
        "(it may refuse, or cut the oldest text itself)."
    )
    choices = [("drop", f"Drop {drop} oldest"), ("send", "Send anyway")]
    return ChoiceDialog("Context window full", text, choices)
