"""Commands on messages: copy, copy a code block, regenerate, edit and resend, versions."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tui.domain import ChatMessage, MessageStatus, Role
from tui.ui.clipboard import copy_text
from tui.ui.markdown_split import code_blocks
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.message_view import MessageView
from tui.ui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from tui.ui.screens.main import MainScreen


class MessageActions:
    """Actions on the last reply of `screen`, or on the message that has the focus."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    @property
    def pane(self) -> MessagePane:
        """The screen's message pane."""
        return self.screen.query_one(MessagePane)

    # ----------------------------------------------------------------- copying

    def last_finished_reply(self) -> ChatMessage | None:
        """The newest reply of the open conversation that is not streaming."""
        for message in reversed(self.screen.conversation.messages):
            if (
                message.role is Role.ASSISTANT
                and message.status is MessageStatus.DONE
                and (message.content or message.refusal)
            ):
                return message
        return None

    def copy_reply(self) -> None:
        """Copy the newest finished reply of the open conversation."""
        reply = self.last_finished_reply()
        if reply is None:
            self.screen.notify("There is no finished reply to copy yet.")
            return
        copy_text(self.screen.app, reply.content or reply.refusal)

    def copy_selection(self) -> None:
        """Copy the text selected with the mouse, as it reads (no captions or gutters)."""
        text = self.screen.get_selected_text()
        if not text:
            self.screen.notify("Nothing is selected: drag the mouse across text first.")
            return
        copy_text(self.screen.app, text, what="selection")

    def focused_message(self) -> MessageView | None:
        """The message selected in the pane, while the pane has the focus."""
        return self.pane.focused_view

    def copy_message(self) -> None:
        """Copy the focused message (a streaming one is copied as partial, and says so)."""
        view = self.focused_message()
        if view is None:
            return
        text, partial = self._text_of(view)
        copy_text(self.screen.app, text, what="message", partial=partial)

    def copy_code(self) -> None:
        """Copy a code block of the focused message; pressing again moves to the next."""
        view = self.focused_message()
        if view is None:
            return
        text, partial = self._text_of(view)
        blocks = code_blocks(text)
        if not blocks:
            self.screen.notify("This message has no code block.")
            return
        index = view.code_index % len(blocks)
        view.code_index = index + 1
        what = f"code block {index + 1} of {len(blocks)}"
        copy_text(self.screen.app, blocks[index], what=what, partial=partial)

    def _text_of(self, view: MessageView) -> tuple[str, bool]:
        run = self.screen.session.replies.get(self.screen.conversation.id)
        if run is not None and run.message is view.message:
            return run.state.text, True
        return view.message.content or view.message.refusal, False

    def jump_to_end(self) -> None:
        """Scroll to the newest text and follow the stream again."""
        self.pane.anchor()

    def focus_messages(self) -> None:
        """Put the focus on the newest message (then ↑/↓ move, c/b copy)."""
        pane = self.pane
        if pane.views:
            pane.select(pane.views[-1])

    # ----------------------------------------------------------------- new versions

    def last_reply(self) -> ChatMessage | None:
        """The open conversation's last message, if it is a reply."""
        messages = self.screen.conversation.messages
        if messages and messages[-1].role is Role.ASSISTANT:
            return messages[-1]
        return None

    async def regenerate(self, *, over_budget: bool = False) -> None:
        """Ask again for the last reply; the old one is kept as an alternative (unless a
        budget is used up and the user does not send it anyway)."""
        screen = self.screen
        conv = screen.conversation
        if conv.id in screen.session.replies:
            screen.notify("A reply is still streaming; Esc stops it first.", severity="warning")
            return
        old = self.last_reply()
        if old is None:
            screen.notify("There is no reply to regenerate.")
            return
        if not over_budget and await screen.costs.refuses(
            lambda: self.regenerate(over_budget=True)
        ):
            return
        conv.messages.pop()
        await screen.redraw_conversation()
        await screen.ask_for_reply(conv, keep=[*old.alternatives, old.retire()])

    def edit_last(self) -> None:
        """Load the last user message into the prompt for editing."""
        screen = self.screen
        conv = screen.conversation
        if conv.id in screen.session.replies:
            return
        last_user = next((m for m in reversed(conv.messages) if m.role is Role.USER), None)
        if last_user is None:
            return
        screen.editing = last_user
        prompt = screen.query_one(PromptInput)
        prompt.load_text(last_user.content)
        prompt.border_title = "Editing your last message (Enter resends, Esc cancels)"
        prompt.focus()

    def cancel_edit(self) -> None:
        """Leave editing mode without changing anything."""
        if self.screen.editing is not None:
            self.screen.editing = None
            prompt = self.screen.query_one(PromptInput)
            prompt.clear()
            prompt.border_title = "Message"

    async def resend_edited(self, text: str) -> None:
        """Replace the edited message's text and ask again; replies after it are kept."""
        screen = self.screen
        conv, message = screen.conversation, screen.editing
        if message is None or message not in conv.messages:
            self.cancel_edit()
            return
        # The edited text's @files and images are read again (and pasted images go
        # with it); one that cannot be read keeps the edit in the box.
        fresh = await asyncio.to_thread(screen.sender.user_message, text)
        if fresh is None:
            return
        self.cancel_edit()
        index = conv.messages.index(message)
        later = conv.messages[index + 1 :]
        del conv.messages[index + 1 :]
        message.content = text
        message.attachments = fresh.attachments
        message.images = fresh.images
        screen.sender.remove_pending()
        keep: list[ChatMessage] = []
        for old in later:
            if old.role is Role.ASSISTANT:
                keep += [*old.alternatives, old.retire()]
        await screen.redraw_conversation()
        await screen.ask_for_reply(conv, keep=keep)

    async def step_version(self, step: int) -> None:
        """Show the next or previous version of the focused (or last) reply."""
        view = self.focused_message()
        message = view.message if view is not None else self.last_reply()
        if message is None or message.role is not Role.ASSISTANT or not message.alternatives:
            self.screen.notify("This reply has no other versions (Ctrl+R makes one).")
            return
        if message.status is MessageStatus.STREAMING:
            return
        message.step_version(step)
        self.screen.session.save(self.screen.conversation)
        await self.screen.redraw_conversation()
        shown = self.pane.view_for(message)
        if shown is not None:
            self.pane.select(shown)


def applies_now(screen: MainScreen, action: str, parameters: tuple[object, ...]) -> bool:
    """Whether `action` of the main screen makes sense at this moment (the palette offers
    only those): nothing to copy, regenerate or step through is left out."""
    if not screen.check_action(action, parameters):
        return False
    conv, messages = screen.conversation, screen.messages
    busy = conv.id in screen.session.replies
    match action:
        case "copy_reply":
            return messages.last_finished_reply() is not None
        case "regenerate":
            return not busy and messages.last_reply() is not None
        case "step_version":
            reply = messages.last_reply()
            return reply is not None and bool(reply.alternatives)
        case "edit_last":
            return not busy and any(m.role is Role.USER for m in conv.messages)
        case "remove_pasted":
            return bool(screen.sender.pending)
        case "copy_conversation" | "export_conversation" | "fork_conversation":
            return bool(conv.messages)
    return True
