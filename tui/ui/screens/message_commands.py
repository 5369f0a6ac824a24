"""Commands on messages: copy, copy a code block, regenerate, edit and resend, versions."""

from __future__ import annotations

from textual import on

from tui.domain import ChatMessage, Conversation, MessageStatus, Role
from tui.ui.clipboard import copy_text
from tui.ui.markdown_split import code_blocks
from tui.ui.screens.chat_base import ChatScreenBase
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.message_view import MessageView
from tui.ui.widgets.prompt_input import PromptInput


class MessageCommands(ChatScreenBase):
    """Actions on the last reply or on the message that has the focus (their keys are
    in `tui.ui.keymap`, bound on the main screen)."""

    async def ask_for_reply(
        self, conv: Conversation, keep: list[ChatMessage] | None = None
    ) -> None:
        """Stream a reply to the end of `conv` (provided by the main screen)."""
        raise NotImplementedError

    # ----------------------------------------------------------------- copying

    def action_copy_reply(self) -> None:
        """Copy the newest finished reply of the open conversation."""
        reply = self.last_finished_reply()
        if reply is None:
            self.notify("There is no finished reply to copy yet.")
            return
        copy_text(self.app, reply.content or reply.refusal)

    def focused_message(self) -> MessageView | None:
        """The message view with the focus, if one has it."""
        return self.focused if isinstance(self.focused, MessageView) else None

    def action_copy_message(self) -> None:
        """Copy the focused message (a streaming one is copied as partial, and says so)."""
        view = self.focused_message()
        if view is None:
            return
        text, partial = self._text_of(view)
        copy_text(self.app, text, what="message", partial=partial)

    def action_copy_code(self) -> None:
        """Copy a code block of the focused message; pressing again moves to the next."""
        view = self.focused_message()
        if view is None:
            return
        text, partial = self._text_of(view)
        blocks = code_blocks(text)
        if not blocks:
            self.notify("This message has no code block.")
            return
        index = view.code_index % len(blocks)
        view.code_index = index + 1
        what = f"code block {index + 1} of {len(blocks)}"
        copy_text(self.app, blocks[index], what=what, partial=partial)

    def _text_of(self, view: MessageView) -> tuple[str, bool]:
        live = self.live.get(self.conversation.id)
        if live is not None and live.message is view.message:
            return live.state.text, True
        return view.message.content or view.message.refusal, False

    def action_focus_messages(self) -> None:
        """Put the focus on the newest message (then ↑/↓ move, c/b copy)."""
        views = list(self.query_one(MessagePane).query(MessageView))
        if views:
            views[-1].focus()

    # ----------------------------------------------------------------- new versions

    def _last_reply(self) -> ChatMessage | None:
        messages = self.conversation.messages
        if messages and messages[-1].role is Role.ASSISTANT:
            return messages[-1]
        return None

    async def action_regenerate(self) -> None:
        """Ask again for the last reply; the old one is kept as an alternative."""
        conv = self.conversation
        if conv.id in self.live:
            self.notify("A reply is still streaming; Esc stops it first.", severity="warning")
            return
        old = self._last_reply()
        if old is None:
            self.notify("There is no reply to regenerate.")
            return
        conv.messages.pop()
        await self.redraw_conversation()
        await self.ask_for_reply(conv, keep=[*old.alternatives, old.retire()])

    @on(PromptInput.EditLastRequested)
    def edit_last(self) -> None:
        """Put the last user message in the prompt; sending it replaces and resends it."""
        self.action_edit_last()

    def action_edit_last(self) -> None:
        """Load the last user message into the prompt for editing."""
        conv = self.conversation
        if conv.id in self.live:
            return
        last_user = next((m for m in reversed(conv.messages) if m.role is Role.USER), None)
        if last_user is None:
            return
        self.editing = last_user
        prompt = self.query_one(PromptInput)
        prompt.load_text(last_user.content)
        prompt.border_title = "Editing your last message (Enter resends, Esc cancels)"
        prompt.focus()

    def cancel_edit(self) -> None:
        """Leave editing mode without changing anything."""
        if self.editing is not None:
            self.editing = None
            prompt = self.query_one(PromptInput)
            prompt.clear()
            prompt.border_title = "Message"

    async def resend_edited(self, text: str) -> None:
        """Replace the edited message's text and ask again; replies after it are kept."""
        conv, message = self.conversation, self.editing
        self.cancel_edit()
        if message is None or message not in conv.messages:
            return
        index = conv.messages.index(message)
        later = conv.messages[index + 1 :]
        del conv.messages[index + 1 :]
        message.content = text
        keep: list[ChatMessage] = []
        for old in later:
            if old.role is Role.ASSISTANT:
                keep += [*old.alternatives, old.retire()]
        await self.redraw_conversation()
        await self.ask_for_reply(conv, keep=keep)

    async def action_step_version(self, step: int) -> None:
        """Show the next or previous version of the focused (or last) reply."""
        view = self.focused_message()
        message = view.message if view is not None else self._last_reply()
        if message is None or message.role is not Role.ASSISTANT or not message.alternatives:
            self.notify("This reply has no other versions (Ctrl+R makes one).")
            return
        if message.status is MessageStatus.STREAMING:
            return
        message.step_version(step)
        self.save(self.conversation)
        await self.redraw_conversation()
        shown = self.query_one(MessagePane).view_for(message)
        if shown is not None:
            shown.focus()
