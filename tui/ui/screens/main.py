"""`MainScreen`: the conversation list, the open conversation and the prompt.

It owns the open `Conversation`, starts one reply worker per conversation, folds the
workers' messages into the conversation and its views, and hands snapshots to the saver.
Widgets never call the store or a provider; workers never touch a widget.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, OptionList

from tui.config import Config, ProviderConfig
from tui.domain import ChatMessage, Conversation, MessageStatus, Role
from tui.engine import build_request, record_reply, start_reply
from tui.providers.events import Finished, FinishReason, ReasoningDelta, TextDelta
from tui.providers.pool import AdapterPool
from tui.store import BackgroundSaver, ConversationStore, StoreError
from tui.store import Header as FileHeader
from tui.ui.finish_words import conversation_tokens
from tui.ui.live_reply import LiveReply
from tui.ui.messages import ReplyDelta, ReplyFinished, ReplyRetrying, ReplyUsage
from tui.ui.screens.provider_picker import ProviderPickerDialog
from tui.ui.streaming import stream_reply
from tui.ui.widgets.conversation_list import ConversationList
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.message_view import MessageView
from tui.ui.widgets.prompt_input import PromptInput
from tui.ui.widgets.status_bar import StatusBar

SAVE_EVERY_S = 1.0
TICK_S = 0.25


class MainScreen(Screen[None]):
    """The chat: list on the left, messages and prompt on the right."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "new_conversation", "New", id="new-conversation"),
        Binding("escape", "stop", "Stop", id="stop-reply"),
        Binding("ctrl+t", "copy_reply", "Copy reply", id="copy-reply"),
        Binding("ctrl+l", "toggle_focus", "List/Input", id="toggle-focus"),
        Binding("f2", "pick_provider", "Provider", id="pick-provider"),
        Binding("ctrl+end", "jump_to_end", "Jump to end", show=False, id="jump-to-end"),
    ]

    def __init__(self, config: Config, store: ConversationStore, provider: ProviderConfig) -> None:
        super().__init__()
        self.config = config
        self.store = store
        self.provider = provider
        """The provider new messages go to."""
        self.conversation = Conversation.start(provider.name, provider.model, config.system_prompt)
        """The conversation on screen (not on disk until its first message)."""
        self.loaded: dict[str, Conversation] = {}
        self.live: dict[str, LiveReply] = {}
        self.drafts: dict[str, str] = {}
        self.saver = BackgroundSaver(store, on_error=self._save_failed)
        self.pool = AdapterPool(config_path=str(config.config_path))

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            yield ConversationList(id="conversations")
            with Vertical(id="chat"):
                yield MessagePane(id="messages")
                yield Label("▼ new text below · Ctrl+End jumps to the end", id="jump-hint")
                yield PromptInput(id="prompt")
        yield StatusBar(id="status")
        yield Footer()

    async def on_mount(self) -> None:
        self._ticker = self.set_interval(TICK_S, self._tick, pause=True)
        await self.query_one(MessagePane).show(self.conversation)
        self._show_provider()
        self.query_one(PromptInput).focus()
        self.load_list()
        self.preload_sdk(self.provider)

    # ----------------------------------------------------------------- workers

    @work(thread=True, exclusive=True, group="list", exit_on_error=False)
    def load_list(self) -> None:
        """Read each file's header (not its messages) and fill the list."""
        headers: list[FileHeader] = []
        for summary in self.store.list_summaries():
            try:
                headers.append(self.store.read_header(summary))
            except StoreError as exc:
                self.app.notify(f"Unreadable conversation file: {exc}", severity="warning")
        self.app.call_from_thread(self._fill_list, headers)

    def _fill_list(self, headers: list[FileHeader]) -> None:
        listing = self.query_one(ConversationList)
        listing.set_headers(headers)
        for conv in self.loaded.values():
            if conv.id not in {h.id for h in headers} and conv.messages:
                listing.upsert(conv)

    @work(thread=True, group="preload", exit_on_error=False)
    def preload_sdk(self, provider: ProviderConfig) -> None:
        """Build the provider's adapter in the background, so the first send does not wait."""
        if not provider.missing_key():
            self.pool.get(provider)

    # ----------------------------------------------------------------- sending

    @on(PromptInput.Submitted)
    async def send(self, event: PromptInput.Submitted) -> None:
        """Save the user's message, then start the reply worker."""
        conv = self.conversation
        if conv.id in self.live:
            self.notify("A reply is still streaming here; Esc stops it.", severity="warning")
            return
        prompt = self.query_one(PromptInput)
        pane = self.query_one(MessagePane)
        conv.provider, conv.model = self.provider.name, self.provider.model
        user = conv.add(ChatMessage(Role.USER, event.text))
        self.loaded[conv.id] = conv
        self._save_now(conv)  # the message is on disk before the request leaves
        prompt.clear()
        self.drafts.pop(conv.id, None)
        await pane.add(user)
        request = build_request(conv, self.provider)
        reply = start_reply(conv, self.provider)
        await pane.add(reply, live=True)
        live = LiveReply(conv, reply)
        self.live[conv.id] = live
        live.worker = self.run_worker(
            stream_reply(self, conv.id, self.config, self.provider, request, self.pool),
            name=f"reply:{conv.id}",
            group=f"reply:{conv.id}",
            description=f"{self.provider.name} {self.provider.model} reply",
            exclusive=True,
            exit_on_error=False,
        )
        self.query_one(ConversationList).upsert(conv)
        self._ticker.resume()
        self._tick()
        self.refresh_bindings()

    @on(ReplyDelta)
    def reply_delta(self, event: ReplyDelta) -> None:
        live = self.live.get(event.conversation_id)
        if live is None:
            return
        live.apply(event.delta)
        view = self._live_view(live)
        if view is not None:
            match event.delta:
                case TextDelta(text):
                    view.feed_text(text)
                case ReasoningDelta():
                    view.feed_reasoning(live.state.reasoning)
                case _ if live.state.refusal and not live.state.text:
                    view.feed_text(getattr(event.delta, "text", ""))
        if time.monotonic() - live.last_save >= SAVE_EVERY_S:
            record_reply(live.message, live.state)
            self.saver.submit(self.store.snapshot(live.conversation))
            live.last_save = time.monotonic()

    @on(ReplyUsage)
    def reply_usage(self, event: ReplyUsage) -> None:
        live = self.live.get(event.conversation_id)
        if live is not None:
            live.apply(event.usage)

    @on(ReplyRetrying)
    def reply_retrying(self, event: ReplyRetrying) -> None:
        live = self.live.get(event.conversation_id)
        if live is not None:
            retry = event.retry
            live.retry_note = f"retrying in {retry.delay:g} s"
            self.notify(f"{retry.error.message}\nRetrying once in {retry.delay:g} s.", timeout=6)

    @on(ReplyFinished)
    async def reply_finished(self, event: ReplyFinished) -> None:
        live = self.live.pop(event.conversation_id, None)
        if live is None:
            return
        if event.error is not None:
            live.state.apply(event.error)
        live.state.apply(Finished(event.reason, event.raw_reason))
        record_reply(live.message, live.state)
        conv = live.conversation
        self.saver.submit(self.store.snapshot(conv))
        view = self._live_view(live)
        if view is not None:
            await view.finish()
        if event.error is not None:
            self.notify(event.error.message, title="Reply failed", severity="error", timeout=8)
        self.query_one(ConversationList).upsert(conv)
        if not self.live:
            self._ticker.pause()
        self._tick()
        self.refresh_bindings()

    def _live_view(self, live: LiveReply) -> MessageView | None:
        if live.conversation is not self.conversation:
            return None
        return self.query_one(MessagePane).view_for(live.message)

    def _tick(self) -> None:
        """Refresh counters and the jump hint (10 times a second while streaming)."""
        status = self.query_one(StatusBar)
        pane = self.query_one(MessagePane)
        live = self.live.get(self.conversation.id)
        status.streaming = live is not None
        if live is not None:
            status.counters = live.counters()
            view = self._live_view(live)
            if view is not None:
                view.set_status(live.counters())
        else:
            total = conversation_tokens(self.conversation.messages)
            status.counters = f"conversation: {total:,} tokens" if total else ""
        self.query_one("#jump-hint").display = live is not None and pane.scrolled_up

    # ----------------------------------------------------------------- saving

    def _save_now(self, conv: Conversation) -> None:
        self.saver.submit(self.store.snapshot(conv))
        self.saver.flush(timeout=5)

    def _save_failed(self, error: StoreError) -> None:
        # Called on the saver's thread: notify is thread-safe.
        self.app.notify(
            f"Could not save: {error}. The conversation stays open; it will be saved again.",
            severity="error",
            timeout=8,
        )

    def prepare_quit(self) -> None:
        """Stop every stream, keep what arrived (marked cancelled) and write it all."""
        for live in list(self.live.values()):
            if live.worker is not None:
                live.worker.cancel()
            if not live.state.finished:
                live.state.apply(Finished(FinishReason.CANCELLED))
            record_reply(live.message, live.state)
            self.saver.submit(self.store.snapshot(live.conversation))
        self.live.clear()
        self.saver.flush(timeout=10)

    # ----------------------------------------------------------------- opening

    @on(OptionList.OptionSelected, "#conversations")
    async def open_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            await self.open_conversation(event.option.id)

    async def open_conversation(self, conversation_id: str) -> None:
        """Show a conversation (parsing its file the first time), keeping drafts apart."""
        conv = self.loaded.get(conversation_id)
        if conv is None:
            try:
                conv = self.store.load(conversation_id)
            except StoreError as exc:
                self.notify(str(exc), title="Cannot open", severity="error")
                return
            self.loaded[conv.id] = conv
        await self._switch_to(conv)

    async def _switch_to(self, conv: Conversation) -> None:
        prompt = self.query_one(PromptInput)
        if prompt.text:
            self.drafts[self.conversation.id] = prompt.text
        self.conversation = conv
        live = self.live.get(conv.id)
        if live is not None:
            record_reply(live.message, live.state)
        await self.query_one(MessagePane).show(conv, live.message if live else None)
        prompt.load_text(self.drafts.pop(conv.id, ""))
        if conv.provider in self.config.providers:
            self.provider = self.config.provider(conv.provider, model=conv.model or None)
        self._show_provider()
        self._tick()
        self.refresh_bindings()
        prompt.focus()

    # ----------------------------------------------------------------- actions

    async def action_new_conversation(self) -> None:
        """Start an empty conversation with the current provider."""
        conv = Conversation.start(
            self.provider.name, self.provider.model, self.config.system_prompt
        )
        await self._switch_to(conv)

    def action_stop(self) -> None:
        """Stop the open conversation's reply; what arrived is kept, marked cancelled."""
        live = self.live.get(self.conversation.id)
        if live is not None and live.worker is not None:
            live.worker.cancel()

    def action_copy_reply(self) -> None:
        """Copy the newest finished reply of the open conversation."""
        from tui.ui.clipboard import copy_text

        reply = self._last_finished_reply()
        if reply is None:
            self.notify("There is no finished reply to copy yet.")
            return
        copy_text(self.app, reply.content or reply.refusal)

    def action_toggle_focus(self) -> None:
        """Move focus between the conversation list and the prompt."""
        listing = self.query_one(ConversationList)
        if listing.has_focus:
            self.query_one(PromptInput).focus()
        else:
            listing.focus()

    def action_jump_to_end(self) -> None:
        """Scroll to the newest text and follow the stream again."""
        self.query_one(MessagePane).anchor()

    def action_pick_provider(self) -> None:
        """Choose the provider for the next message of this conversation."""

        def chosen(name: str | None) -> None:
            if name is None:
                return
            self.provider = self.config.provider(name)
            self.conversation.provider = self.provider.name
            self.conversation.model = self.provider.model
            self._show_provider()
            self.preload_sdk(self.provider)
            self.notify(f"Next messages go to {self.provider.name} ({self.provider.model}).")

        self.app.push_screen(
            ProviderPickerDialog(self.config.providers, self.provider.name), chosen
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return True if self.conversation.id in self.live else None
        if action == "copy_reply":
            return True if self._last_finished_reply() is not None else None
        return True

    # ----------------------------------------------------------------- helpers

    def _last_finished_reply(self) -> ChatMessage | None:
        for message in reversed(self.conversation.messages):
            if (
                message.role is Role.ASSISTANT
                and message.status is MessageStatus.DONE
                and (message.content or message.refusal)
            ):
                return message
        return None

    def _show_provider(self) -> None:
        status = self.query_one(StatusBar)
        status.provider_label = f"{self.provider.name} · {self.provider.model}"
        self.app.sub_title = status.provider_label
        if self.provider.kind == "offline":
            status.hint = (
                "no model connected: set OPENAI_API_KEY or ANTHROPIC_API_KEY, or add a "
                f"provider to {self.config.config_path}"
            )
        elif self.provider.missing_key():
            status.hint = f"Set {self.provider.api_key_env} to use {self.provider.name}"
        else:
            status.hint = ""
