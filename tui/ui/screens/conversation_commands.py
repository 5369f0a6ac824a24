"""Commands on whole conversations: rename, delete, fork, export, system prompt, filter."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.widgets import Input

from tui import reasoning
from tui.domain import Conversation, fork, title_from
from tui.export import conversation_markdown, export_file_name
from tui.store import StoreError
from tui.store.atomic import atomic_write_bytes
from tui.ui.clipboard import copy_text
from tui.ui.screens.chat_base import ChatScreenBase
from tui.ui.screens.dialogs import ConfirmDialog, TextDialog


class ConversationCommands(ChatScreenBase):
    """Actions on the open conversation and on the list (their keys are in
    `tui.ui.keymap`, bound on the main screen)."""

    async def open_conversation(self, conversation_id: str, *, quiet: bool = False) -> None:
        """Show a conversation (provided by the main screen)."""
        raise NotImplementedError

    async def action_on_highlighted(self, action: str) -> None:
        """Open the conversation highlighted in the list, then run `action` on it."""
        option = self.conversation_list.highlighted_option
        if option is not None and option.id and option.id != self.conversation.id:
            await self.open_conversation(option.id)
            self.conversation_list.focus()
        await self.run_action(action)

    def action_filter(self) -> None:
        """Show the list and put the cursor in its filter box."""
        self.query_one("#sidebar").display = True
        self.query_one("#filter", Input).focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_list(event.value)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.conversation_list.focus()

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def filter_list(self, text: str) -> None:
        """Keep the conversations whose title or text contains `text` (any case)."""
        needle = text.strip().casefold()
        if not needle:
            self.app.call_from_thread(self.conversation_list.show_only, None)
            return
        listing = self.conversation_list
        ids = {e.id for e in list(listing.entries.values()) if needle in e.title.casefold()}
        for summary in self.store.list_summaries():
            if summary.id not in ids and needle in self.store.read_text(summary).casefold():
                ids.add(summary.id)
        for conv in list(self.loaded.values()):
            if any(needle in m.content.casefold() for m in conv.messages):
                ids.add(conv.id)
        self.app.call_from_thread(listing.show_only, ids)

    def action_rename_conversation(self) -> None:
        """Give the open conversation a new title."""
        conv = self.conversation

        def renamed(title: str | None) -> None:
            if title is not None and title_from(title):
                conv.title = title_from(title)
                self.save(conv)
                if conv.messages:
                    self.conversation_list.upsert(conv)
                self.notify(f"Renamed to “{conv.title}”.")

        self.app.push_screen(TextDialog("New title", conv.title), renamed)

    def action_delete_conversation(self) -> None:
        """Move the open conversation's file to the trash folder, after asking."""
        conv = self.conversation
        if conv.id in self.live:
            self.notify("Stop the reply (Esc) before deleting.", severity="warning")
            return

        async def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            self.saver.flush()
            try:
                where = self.store.trash(conv.id) if conv.messages else None
            except StoreError as exc:
                self.notify(str(exc), severity="error")
                return
            self.loaded.pop(conv.id, None)
            self.conversation_list.drop(conv.id)
            await self.show_conversation(self.new_conversation())
            if where is not None:
                self.notify(f"Moved to {where} (move it back to restore).")

        question = f"Delete “{conv.title}”? Its file goes to the trash folder."
        self.app.push_screen(ConfirmDialog(question, yes="Delete"), confirmed)

    async def action_fork_conversation(self) -> None:
        """Copy the open conversation under a new id and switch to the copy."""
        if not self.conversation.messages:
            self.notify("Nothing to fork yet.")
            return
        copy = fork(self.conversation)
        self.loaded[copy.id] = copy
        self.save(copy)
        self.conversation_list.upsert(copy)
        await self.show_conversation(copy)
        self.notify(f"Forked as “{copy.title}”.")

    def action_edit_system_prompt(self) -> None:
        """Edit the open conversation's system prompt (sent with every request)."""
        conv = self.conversation

        def edited(text: str | None) -> None:
            if text is None:
                return
            conv.system_prompt = text.strip() or None
            self.save(conv)
            self.notify("System prompt saved." if conv.system_prompt else "System prompt cleared.")

        dialog = TextDialog(
            "System prompt for this conversation", conv.system_prompt or "", multiline=True
        )
        self.app.push_screen(dialog, edited)

    def action_step_reasoning(self) -> None:
        """Step this conversation's reasoning setting: effort (default, low, medium,
        high) for OpenAI-style providers, thinking budget (off, 1k, 4k, 16k) for Anthropic."""
        conv = self.conversation
        now = reasoning.step(
            reasoning.ReasoningSetting(conv.reasoning_effort, conv.thinking_budget),
            self.provider.kind,
        )
        conv.reasoning_effort, conv.thinking_budget = now.effort, now.thinking_budget
        self.save(conv)
        self.show_provider()
        words = reasoning.describe(now, self.provider.kind, self.provider.model)
        if self.provider.kind == "offline":
            words = "the offline provider does not reason; the setting is kept for others"
        elif not words and self.provider.kind == "anthropic":
            words = "thinking off"
        elif not words:
            words = "effort: the model's default (not sent)"
        self.notify(f"Reasoning for this conversation: {words}.")

    async def new_from_persona(self, name: str) -> None:
        """Start a conversation with the system prompt of persona `name`."""
        conv: Conversation = self.new_conversation(self.config.personas[name])
        await self.show_conversation(conv)
        self.notify(f"New conversation as “{name}”.")

    def action_export_conversation(self) -> None:
        """Write the open conversation as Markdown to a file the user names."""
        conv = self.conversation
        if not conv.messages:
            self.notify("Nothing to export yet.")
            return

        def chosen(path_text: str | None) -> None:
            if not path_text:
                return
            path = Path(path_text).expanduser()
            try:
                atomic_write_bytes(path, conversation_markdown(conv).encode("utf-8"))
            except OSError as exc:
                self.notify(f"Could not write {path}: {exc.strerror or exc}", severity="error")
                return
            self.notify(f"Exported to {path.resolve()}.")

        default = str(Path.cwd() / export_file_name(conv))
        self.app.push_screen(TextDialog("Export as Markdown to", default), chosen)

    def action_copy_conversation(self) -> None:
        """Copy the whole open conversation to the clipboard as Markdown."""
        if not self.conversation.messages:
            self.notify("Nothing to copy yet.")
            return
        partial = self.conversation.id in self.live
        copy_text(
            self.app, conversation_markdown(self.conversation), what="conversation", partial=partial
        )
