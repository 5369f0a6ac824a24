"""Commands on whole conversations: rename, delete, fork, export, system prompt,
reasoning, the list's filter and layout."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.widgets import Input
from textual.worker import get_current_worker

from tui import reasoning
from tui.domain import fork, title_from
from tui.export import conversation_markdown, export_file_name, export_markdown
from tui.search import Hit
from tui.store import StoreError
from tui.store.atomic import atomic_write_bytes
from tui.ui.clipboard import copy_text
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from tui.ui.screens.main import MainScreen


class ConversationActions:
    """Actions on the open conversation of `screen` and on its list."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    async def on_highlighted(self, action: str) -> None:
        """Open the conversation highlighted in the list, then run `action` on it."""
        screen = self.screen
        option = screen.conversation_list.highlighted_option
        if option is not None and option.id and option.id != screen.conversation.id:
            await screen.open_conversation(option.id)
            screen.conversation_list.focus()
        await screen.run_action(action)

    def build_search_cache(self) -> None:
        """Build a missing search cache in the background (see `start_search_build`)."""
        build = self.screen.session.start_search_build
        self.screen.run_worker(build, thread=True, group="search-index", exit_on_error=False)

    async def new(self) -> None:
        """Start an empty conversation with the current provider."""
        screen = self.screen
        await screen.show_conversation(screen.session.new_conversation(screen.provider))

    def search(self) -> None:
        """Search every conversation; the chosen one opens at the match."""
        screen = self.screen

        async def chosen(hit: Hit | None) -> None:
            if hit is None:
                return
            await screen.open_conversation(hit.conversation_id)
            index = hit.message_index
            if screen.conversation.id != hit.conversation_id or index is None:
                return
            if index < len(messages := screen.conversation.messages):
                screen.query_one(MessagePane).reveal(messages[index])

        session = screen.session
        # Screens and dialogs are imported where they open: the first paint needs none.
        from tui.ui.screens.search import SearchScreen

        screen.app.push_screen(SearchScreen(session.search_index, session.index_builder), chosen)

    def filter(self) -> None:
        """Show the list and put the cursor in its filter box."""
        self._show_sidebar(True)
        self.screen.query_one("#filter", Input).focus()

    def start_filter(self, text: str) -> None:
        """Filter the list by `text` in a thread (a newer text replaces the search)."""
        self.screen.run_worker(
            lambda: self._filter(text), thread=True, exclusive=True, group="filter"
        )

    def _filter(self, text: str) -> None:
        """Keep the conversations whose title, system prompt or a message contains `text`
        (any case): what was written, never the keys or values of the file format."""
        screen, session = self.screen, self.screen.session
        listing = screen.conversation_list
        needle = text.strip().casefold()
        if not needle:
            screen.app.call_from_thread(listing.show_only, None)
            return
        titles = {e.id for e in list(listing.entries.values()) if needle in e.title.casefold()}
        # Thousands of files not in the search cache yet (a first start, a copied
        # folder) take a process of their own many seconds to read: the titles that
        # match show meanwhile, the messages' matches join them once it is done.
        index = session.search_index
        building = not index.loaded and session.start_search_build()
        if building and (builder := session.index_builder) is not None:
            if not get_current_worker().is_cancelled:
                screen.app.call_from_thread(listing.show_only, set(titles))
            builder.wait()  # it is writing the cache the refresh then reads
        index.refresh(save=not session.writes_refused)
        ids = index.matching_ids(needle) | titles
        for conv in list(session.loaded.values()):  # text not saved yet
            written = [conv.system_prompt or "", *(m.content for m in list(conv.messages))]
            if any(needle in part.casefold() for part in written):
                ids.add(conv.id)
        if not get_current_worker().is_cancelled:  # a newer text's answer may be shown
            screen.app.call_from_thread(listing.show_only, ids)

    def toggle_focus(self) -> None:
        """Move focus between the conversation list and the prompt."""
        listing = self.screen.conversation_list
        if listing.has_focus or not listing.display:
            self.screen.query_one(PromptInput).focus()
        else:
            listing.focus()

    def toggle_sidebar(self) -> None:
        """Show or hide the conversation list (on a narrow screen too, when asked)."""
        show = not self.screen.query_one("#sidebar").display
        self._show_sidebar(show)
        self.screen.session.state.sidebar = show
        if not show:
            self.screen.query_one(PromptInput).focus()

    def _show_sidebar(self, show: bool) -> None:
        sidebar = self.screen.query_one("#sidebar")
        if show and self.screen.has_class("-wide"):
            # Shown as the layout shows it (tui.tcss): hidden again if the terminal narrows.
            sidebar.styles.clear_rule("display")
            sidebar.refresh(layout=True)
        else:
            sidebar.display = show

    def resized(self, _event: object = None) -> None:
        """The terminal changed size: a list it hid takes no keys (checked once the
        screen's new styles are applied)."""
        self.screen.call_after_refresh(self._refocus)

    def _refocus(self) -> None:
        focused = self.screen.focused
        if focused is not None and any(
            node.id == "sidebar" and not node.display for node in focused.ancestors
        ):
            self.screen.query_one(PromptInput).focus()

    def rename(self) -> None:
        """Give the open conversation a new title."""
        screen = self.screen
        conv = screen.conversation

        def renamed(title: str | None) -> None:
            if title is not None and title_from(title):
                conv.title = title_from(title)
                screen.session.save(conv)
                if conv.messages:
                    screen.conversation_list.upsert(conv)
                screen.notify(f"Renamed to “{conv.title}”.")

        from tui.ui.screens.dialogs import TextDialog

        screen.app.push_screen(TextDialog("New title", conv.title), renamed)

    def delete(self) -> None:
        """Move the open conversation's file to the trash folder, after asking."""
        screen, session = self.screen, self.screen.session
        conv = screen.conversation
        if conv.id in session.replies:
            screen.notify("Stop the reply (Esc) before deleting.", severity="warning")
            return

        async def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            session.saver.flush()
            try:
                where = session.store.trash(conv.id) if conv.messages else None
            except StoreError as exc:
                screen.notify(str(exc), severity="error")
                return
            session.loaded.pop(conv.id, None)
            screen.conversation_list.drop(conv.id)
            await screen.show_conversation(session.new_conversation(screen.provider))
            if where is not None:
                screen.notify(f"Moved to {where} (move it back to restore).")

        question = f"Delete “{conv.title}”? Its file goes to the trash folder."
        from tui.ui.screens.dialogs import ConfirmDialog

        screen.app.push_screen(ConfirmDialog(question, yes="Delete"), confirmed)

    async def fork(self) -> None:
        """Copy the open conversation under a new id and switch to the copy."""
        screen = self.screen
        if not screen.conversation.messages:
            screen.notify("Nothing to fork yet.")
            return
        copy = fork(screen.conversation)
        screen.session.loaded[copy.id] = copy
        screen.session.save(copy)
        screen.conversation_list.upsert(copy)
        await screen.show_conversation(copy)
        screen.notify(f"Forked as “{copy.title}”.")

    def edit_system_prompt(self) -> None:
        """Edit the open conversation's system prompt (sent with every request)."""
        screen = self.screen
        conv = screen.conversation

        def edited(text: str | None) -> None:
            if text is None:
                return
            conv.system_prompt = text.strip() or None
            screen.session.save(conv)
            said = "System prompt saved." if conv.system_prompt else "System prompt cleared."
            screen.notify(said)

        from tui.ui.screens.dialogs import TextDialog

        dialog = TextDialog(
            "System prompt for this conversation", conv.system_prompt or "", multiline=True
        )
        screen.app.push_screen(dialog, edited)

    def step_reasoning(self) -> None:
        """Step this conversation's reasoning setting: effort (default, low, medium,
        high) for OpenAI-style providers, thinking budget (off, 1k, 4k, 16k) for Anthropic."""
        screen = self.screen
        conv, provider = screen.conversation, screen.provider
        now = reasoning.step(
            reasoning.ReasoningSetting(conv.reasoning_effort, conv.thinking_budget), provider.kind
        )
        conv.reasoning_effort, conv.thinking_budget = now.effort, now.thinking_budget
        screen.session.save(conv)
        screen.providers.show()
        words = reasoning.describe(now, provider.kind, provider.model)
        if provider.kind == "offline":
            words = "the offline provider does not reason; the setting is kept for others"
        elif not words and provider.kind == "anthropic":
            words = "thinking off"
        elif not words:
            words = "effort: the model's default (not sent)"
        screen.notify(f"Reasoning for this conversation: {words}.")

    async def new_from_persona(self, name: str) -> None:
        """Start a conversation with the system prompt of persona `name`."""
        screen = self.screen
        prompt = screen.config.personas[name]
        await screen.show_conversation(screen.session.new_conversation(screen.provider, prompt))
        screen.notify(f"New conversation as “{name}”.")

    def export(self) -> None:
        """Write the open conversation as Markdown to a file the user names."""
        screen = self.screen
        conv = screen.conversation
        if not conv.messages:
            screen.notify("Nothing to export yet.")
            return

        def chosen(path_text: str | None) -> None:
            if not path_text:
                return
            path = Path(path_text).expanduser()
            try:
                exported = export_markdown(conv, path.name, screen.session.store.blobs.read)
                exported.write(path, atomic_write_bytes)
            except OSError as exc:
                screen.notify(f"Could not write {path}: {exc.strerror or exc}", severity="error")
                return
            screen.notify(f"Exported to {path.resolve()}.")

        default = str(Path.cwd() / export_file_name(conv))
        from tui.ui.screens.dialogs import TextDialog

        screen.app.push_screen(TextDialog("Export as Markdown to", default), chosen)

    def copy(self) -> None:
        """Copy the whole open conversation to the clipboard as Markdown."""
        screen = self.screen
        if not screen.conversation.messages:
            screen.notify("Nothing to copy yet.")
            return
        partial = screen.conversation.id in screen.session.replies
        markdown = conversation_markdown(screen.conversation)
        copy_text(screen.app, markdown, what="conversation", partial=partial)
