"""`ChatScreenBase`: the state the main screen's command groups share, and its helpers.

`MainScreen` is assembled from this base and two command mixins
(`ConversationCommands`, `MessageCommands`), so each module stays about one job.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from textual import work
from textual.screen import Screen

from tui.config import Config, ProviderConfig
from tui.context import fill, meter
from tui.domain import ChatMessage, Conversation, MessageStatus, Role
from tui.engine import record_reply
from tui.providers.catalog import ProviderCatalog
from tui.providers.pool import AdapterPool
from tui.reasoning import ReasoningSetting
from tui.reasoning import describe as describe_reasoning
from tui.search import BUILD_APART_FROM, SearchIndex
from tui.state import AppState
from tui.store import BackgroundSaver, ConversationStore, StoreError
from tui.store.lock import DataDirLock
from tui.ui.finish_words import conversation_tokens
from tui.ui.live_reply import LiveReply
from tui.ui.widgets.conversation_list import ConversationList
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.prompt_input import PromptInput
from tui.ui.widgets.status_bar import StatusBar

log = logging.getLogger(__name__)


class ChatScreenBase(Screen[None]):
    """Owns the open conversation, the live replies and the way to save them."""

    editing: ChatMessage | None = None
    """The user message being edited in the prompt (Up in an empty prompt), if any."""

    def __init__(
        self,
        config: Config,
        store: ConversationStore,
        provider: ProviderConfig,
        state: AppState,
        *,
        probe_local: bool = True,
    ) -> None:
        super().__init__()
        self.probe_local = probe_local
        """Whether to look for local servers (Ollama, llama.cpp…) at startup."""
        self.config = config
        self.store = store
        self.state = state
        self.provider = provider
        """The provider new messages go to."""
        self.session_providers: dict[str, ProviderConfig] = {provider.name: provider}
        """Providers as set up for this session (with command-line overrides such as
        --base-url), by name."""
        self.conversation = self.new_conversation()
        """The conversation on screen (not on disk until its first message)."""
        self.loaded: dict[str, Conversation] = {}
        """Conversations parsed this session, by id."""
        self.live: dict[str, LiveReply] = {}
        """Replies streaming now, by conversation id."""
        self.drafts: dict[str, str] = {}
        """Unsent text of conversations not on screen."""
        self.data_lock = DataDirLock(config.data_dir)
        self.exit_notes: list[str] = []
        """Printed on the terminal once the app has closed."""
        self.writes_refused: str | None = None
        """Why this app must not write to the data dir (another app holds it), if so."""
        self._stop_offered: bool | None = None
        """Whether the footer offers Esc (stop/cancel), as of its last refresh."""
        self.search_index = SearchIndex(store)
        """Every conversation's text, kept up to date as they are saved."""
        self.index_builder: subprocess.Popen[bytes] | None = None
        """The process building the search cache at start-up, if one was needed."""
        self.saver = BackgroundSaver(
            store,
            on_error=self._save_failed,
            on_recovered=self._save_recovered,
            on_saved=self.search_index.note_saved,
        )
        self.pool = AdapterPool(config_path=str(config.config_path))
        self.catalog = ProviderCatalog(config, self.pool)
        self.started = False
        """Whether start-up is over (network probes wait for it)."""

    def new_conversation(self, system_prompt: str | None = None) -> Conversation:
        """An empty conversation with the current provider (saved with its first message)."""
        prompt = system_prompt if system_prompt is not None else self.config.system_prompt
        return Conversation.start(
            self.provider.name,
            self.provider.model,
            prompt,
            reasoning_effort=self.provider.reasoning_effort,
            thinking_budget=self.provider.thinking_budget,
        )

    def provider_named(self, name: str, model: str | None = None) -> ProviderConfig:
        """Provider `name` as set up for this session, with `model` if given."""
        base = self.session_providers.get(name) or self.config.provider(name)
        return replace(base, model=model) if model else base

    # ----------------------------------------------------------------- saving

    def claim_data_dir(self) -> None:
        """Become the one app writing to the data dir, or run read-only and say why."""
        if self.data_lock.acquire():
            return
        self.writes_refused = (
            f"Another tui-chat is using {self.config.data_dir}: this one only shows "
            "conversations and saves nothing until that one is closed"
        )
        log.warning("data dir in use by another app: read-only")
        self.notify(self.writes_refused + ".", title="Read-only", severity="warning", timeout=20)

    def save(self, conv: Conversation) -> None:
        """Queue `conv` for writing (off the UI thread, newest snapshot wins). A
        conversation opened read-only is never written."""
        if conv.messages and not conv.read_only and not self.writes_refused:
            self.saver.submit(self.store.snapshot(conv))

    def _save_failed(self, error: StoreError) -> None:
        # Called on the saver's thread: notify and logging are thread-safe.
        log.warning("save failed: %s", error)
        self.app.notify(
            f"Could not save {error.path.name}: {error.problem}. Nothing on disk was "
            "changed; the conversation stays open and saving is retried.",
            title="Not saved",
            severity="error",
            timeout=10,
        )

    def _save_recovered(self, path: Path) -> None:
        log.info("saved again: %s", path)
        self.app.notify(f"{path.name} is saved again.", title="Saved")

    def save_state(self) -> None:
        """Remember the open conversation, provider, model and theme for next time."""
        self.state.last_conversation = self.conversation.id if self.conversation.messages else ""
        self.state.provider, self.state.model = self.provider.name, self.provider.model
        self.state.theme = self.app.theme
        if self.writes_refused:
            return
        try:
            self.state.save(self.config.data_dir)
        except OSError as exc:
            self.notify(f"Could not save the app state: {exc}", severity="warning")

    # ----------------------------------------------------------------- showing

    async def show_conversation(self, conv: Conversation) -> None:
        """Put `conv` on screen, keeping the draft of the one it replaces."""
        prompt = self.query_one(PromptInput)
        if prompt.text:
            self.drafts[self.conversation.id] = prompt.text
        self.conversation = conv
        live = self.live.get(conv.id)
        if live is not None:
            record_reply(live.message, live.state)
        # One repaint for all of it: each costs a full-screen render.
        with self.app.batch_update():
            await self.query_one(MessagePane).show(conv, live.message if live else None)
            prompt.load_text(self.drafts.pop(conv.id, ""))
            if conv.provider in self.config.providers:
                self.provider = self.provider_named(conv.provider, conv.model or None)
            self.show_provider()
            self.refresh_status()
            self.update_bindings()
            prompt.focus()
        if conv.read_only:
            self.notify(conv.read_only + ".", title="Read-only", severity="warning")

    async def redraw_conversation(self) -> None:
        """Re-render the open conversation (after its messages changed shape)."""
        live = self.live.get(self.conversation.id)
        if live is not None:
            record_reply(live.message, live.state)  # the new view starts from all of it
        await self.query_one(MessagePane).show(self.conversation, live.message if live else None)
        self.refresh_status()
        self.update_bindings()

    def update_bindings(self) -> None:
        """Refresh the footer's keys, only when what they offer changed: each refresh
        rebuilds the footer and repaints the screen."""
        stop = self.conversation.id in self.live or self.editing is not None
        if stop != self._stop_offered:
            self._stop_offered = stop
            self.refresh_bindings()

    def refresh_status(self) -> None:
        """Counters for a live reply, or the conversation's total tokens; and the
        context meter."""
        status = self.query_one(StatusBar)
        window = self.catalog.window_now(self.provider)
        if self.conversation.messages:
            status.context = meter(fill(self.conversation), window.tokens if window else None)
        else:
            status.context = ("", "")
        live = self.live.get(self.conversation.id)
        status.streaming = live is not None
        if live is not None:
            status.counters = live.counters()
        else:
            total = conversation_tokens(self.conversation.messages)
            status.counters = f"conversation: {total:,} tokens" if total else ""

    def show_provider(self) -> None:
        """Provider, model and advice in the status line and header."""
        status = self.query_one(StatusBar)
        provider, conv = self.provider, self.conversation
        label = f"{provider.name} · {provider.model}"
        setting = ReasoningSetting(conv.reasoning_effort, conv.thinking_budget)
        if words := describe_reasoning(setting, provider.kind, provider.model):
            label += f" · {words}"
        status.provider_label = label
        self.app.sub_title = f"{provider.name} · {provider.model}"
        if self.started and self.catalog.needs_asking(provider):
            self.find_window(provider)  # once per model: the catalog keeps the answer
        if self.provider.kind == "offline":
            status.hint = (
                "no model connected: set OPENAI_API_KEY or ANTHROPIC_API_KEY, or add a "
                f"provider to {self.config.config_path}"
            )
        elif self.provider.missing_key():
            status.hint = f"set {self.provider.api_key_env} to use {self.provider.name}"
        else:
            status.hint = ""

    @work(thread=True, group="search-index", exit_on_error=False)
    def prepare_search_index(self) -> None:
        """Build a missing or old search cache in a separate, lowest-priority process
        when many files must be read (a few are read when the search screen opens)."""
        if self.writes_refused or self.search_index.files_to_read() <= BUILD_APART_FROM:
            return
        log.info("building the search cache in a separate process")
        self.index_builder = subprocess.Popen(
            [sys.executable, "-m", "tui.search", str(self.config.data_dir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @work(group="window", exclusive=True, exit_on_error=False)
    async def find_window(self, provider: ProviderConfig) -> None:
        """Learn the model's context window (asking its server at most once), then
        show the meter with it."""
        await self.catalog.find_window(provider)
        self.refresh_status()

    @property
    def conversation_list(self) -> ConversationList:
        """The sidebar list."""
        return self.query_one(ConversationList)

    def last_finished_reply(self) -> ChatMessage | None:
        """The newest reply of the open conversation that is not streaming."""
        for message in reversed(self.conversation.messages):
            if (
                message.role is Role.ASSISTANT
                and message.status is MessageStatus.DONE
                and (message.content or message.refusal)
            ):
                return message
        return None
