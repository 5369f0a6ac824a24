"""`ChatSession`: the long-lived services of one app run, owned by the `App`.

The saver, the adapter pool, the provider catalog, the search index and its builder,
the data-dir lock, the remembered app state, the replies streaming now, what to print
on exit and what happens on quit. Screens are built from widgets and this object; it
knows nothing of Textual (what it has to say goes through `notify`).

The reply engine is imported when the first reply starts: the first screen needs none of
it, and importing it and the provider events took about a tenth of the start-up.
"""

from __future__ import annotations

import gc
import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tui.config import Config, ProviderConfig
from tui.domain import ChatMessage, Conversation
from tui.prices import reply_cost
from tui.prices import warm_up as warm_prices
from tui.search import BUILD_APART_FROM, SearchIndex
from tui.session.catalog import ProviderCatalog
from tui.session.pool import AdapterPool
from tui.session.tools import SessionTools
from tui.spending import BudgetState, SpendLedger, budget_state
from tui.state import AppState
from tui.store import BackgroundSaver, ConversationStore, Header, StoreError, Summary
from tui.store.blobs import BlobStore
from tui.store.header_cache import HeaderCache
from tui.store.lock import DataDirLock
from tui.store.store import Snapshot

if TYPE_CHECKING:
    from tui.engine import ReplyRun

log = logging.getLogger(__name__)

Severity = Literal["information", "warning", "error"]
Notify = Callable[[str, str, Severity], None]
"""(message, title, severity): says something to the user; safe from any thread."""


def _quiet(message: str, title: str, severity: Severity) -> None:
    log.info("%s: %s", title, message)


def price_reply(provider: ProviderConfig, message: ChatMessage) -> float | None:
    """A finished reply's cost from its tokens (`ReplyRun.price`), or None if unknown."""
    return reply_cost(message, provider)


class ChatSession:
    """Everything that lives as long as the app, apart from what is on screen."""

    def __init__(
        self, config: Config, store: ConversationStore, state: AppState, notify: Notify = _quiet
    ) -> None:
        self.config = config
        self.store = store
        self.state = state
        """Remembered between runs (open conversation, provider, theme…)."""
        self.notify = notify
        self.blobs: BlobStore = store.blobs
        """The data dir's images (the store's own, where it keeps them)."""
        self.search_index = SearchIndex(store)
        """Every conversation's text, kept up to date as they are saved."""
        self.spend = SpendLedger(store)
        """Every saved reply's tokens and cost (for the budget), kept up to date too."""
        self.index_builder: subprocess.Popen[bytes] | None = None
        """The process building the search cache, if one was needed."""
        self._build_lock = threading.Lock()
        self.saver = BackgroundSaver(
            store,
            on_error=self._save_failed,
            on_recovered=self._save_recovered,
            on_saved=self._saved,
        )
        self.pool = AdapterPool(config_path=str(config.config_path))
        self.catalog = ProviderCatalog(config, self.pool)
        self.data_lock = DataDirLock(config.data_dir)
        self.writes_refused: str | None = None
        """Why this app must not write to the data dir (another app holds it), if so."""
        self.exit_notes: list[str] = []
        """Printed on the terminal once the app has closed."""
        self.loaded: dict[str, Conversation] = {}
        """Conversations parsed this session, by id."""
        self.replies: dict[str, ReplyRun] = {}
        """Replies streaming now, by run key (a chat reply's key is its conversation id)."""
        self.tools = SessionTools(config)
        """The MCP servers and who may run what."""
        self.providers: dict[str, ProviderConfig] = {}
        """Providers as set up for this session (with command-line overrides such as
        --base-url), by name."""
        self.budget = BudgetState()
        """Today's and this month's spend against `[budget]`, as last read (`read_budget`)."""

    # ----------------------------------------------------------------- providers

    def provider_named(self, name: str, model: str | None = None) -> ProviderConfig:
        """Provider `name` as set up for this session, with `model` if given."""
        base = self.providers.get(name) or self.config.provider(name)
        return replace(base, model=model) if model else base

    def preload(self, provider: ProviderConfig) -> None:
        """Build `provider`'s adapter now, so the first send does not wait for its SDK
        import (blocks for about half a second the first time: call off the event loop)."""
        if not provider.missing_key():
            self.pool.get(provider)
        if provider.kind != "offline" and provider.prices is None:
            warm_prices()  # the first reply's price is looked up in the table
        # The SDK's modules and types, imported just now, live as long as the program:
        # leave them out of garbage collection, which would rescan them on every pass.
        gc.freeze()

    def new_conversation(
        self, provider: ProviderConfig, system_prompt: str | None = None
    ) -> Conversation:
        """An empty conversation with `provider` (saved with its first message)."""
        prompt = system_prompt if system_prompt is not None else self.config.system_prompt
        return Conversation.start(
            provider.name,
            provider.model,
            prompt,
            reasoning_effort=provider.reasoning_effort,
            thinking_budget=provider.thinking_budget,
        )

    # ----------------------------------------------------------------- replies

    def start_reply(
        self,
        conv: Conversation,
        provider: ProviderConfig,
        *,
        drop: int = 0,
        keep: list[ChatMessage] | None = None,
    ) -> ReplyRun:
        """Append the empty reply to `conv` and return its run (not started yet); `keep`
        become its alternatives, `drop` oldest messages are left out of the request."""
        from tui.engine import ReplyRun, build_request, new_reply

        conv.provider, conv.model = provider.name, provider.model
        self.loaded[conv.id] = conv
        self.save(conv)  # written before the request leaves: see `wait_until_saved`
        request = build_request(conv, provider, drop=drop, images=self.blobs.read)
        reply = conv.add(new_reply(provider))
        reply.dropped = drop
        if keep:
            reply.alternatives = keep
            reply.version = len(keep)
        run = ReplyRun(
            conv, reply, provider, request, save=lambda: self.save(conv), price=price_reply
        )
        if (step := self.tools.step_for(conv)) is not None:
            run.tools = step
            run.request = step.offer(request)
        return self._track(run)

    def start_compare(self, conv: Conversation, providers: list[ProviderConfig]) -> list[ReplyRun]:
        """One run per provider, their replies forming the last message of `conv`."""
        from tui.compare import start_compare

        self.loaded[conv.id] = conv
        runs = start_compare(conv, providers, save=lambda: self.save(conv), images=self.blobs.read)
        for run in runs:
            run.price = price_reply
        self.save(conv)
        return [self._track(run) for run in runs]

    def _track(self, run: ReplyRun) -> ReplyRun:
        self.replies[run.key] = run
        run.on_close.append(lambda done: self.replies.pop(done.key, None))
        return run

    def wait_until_saved(self) -> None:
        """Block until every queued save has been tried (call off the event loop)."""
        self.saver.flush()

    def read_budget(self, now: datetime) -> BudgetState:
        """Sum every saved reply's cost against `[budget]` as of `now`, once the queued
        saves are written (reads the files: call off the event loop)."""
        if self.config.budget_daily_usd is None and self.config.budget_monthly_usd is None:
            return self.budget
        self.wait_until_saved()
        self.budget = budget_state(self.config, self.spend.replies(), now)
        return self.budget

    # ----------------------------------------------------------------- saving

    def claim_data_dir(self) -> str | None:
        """Become the one app writing to the data dir; else why not (read-only)."""
        if self.data_lock.acquire():
            return None
        self.writes_refused = (
            f"Another tui-chat is using {self.config.data_dir}: this one only shows "
            "conversations and saves nothing until that one is closed"
        )
        log.warning("data dir in use by another app: read-only")
        return self.writes_refused

    def save(self, conv: Conversation) -> None:
        """Queue `conv` for writing (off the UI thread, newest snapshot wins). A
        conversation opened read-only is never written."""
        if conv.messages and not conv.read_only and not self.writes_refused:
            self.saver.submit(self.store.snapshot(conv))

    def _saved(self, snapshot: Snapshot) -> None:
        self.search_index.note_saved(snapshot)
        self.spend.note_saved(snapshot)

    def _save_failed(self, error: StoreError) -> None:
        log.warning("save failed: %s", error)
        self.notify(
            f"Could not save {error.path.name}: {error.problem}. Nothing on disk was "
            "changed; the conversation stays open and saving is retried.",
            "Not saved",
            "error",
        )

    def _save_recovered(self, path: Path) -> None:
        log.info("saved again: %s", path)
        self.notify(f"{path.name} is saved again.", "Saved", "information")

    def save_state(self, conversation: Conversation, provider: ProviderConfig, theme: str) -> None:
        """Remember the open conversation, provider, model and theme for next time."""
        self.state.last_conversation = conversation.id if conversation.messages else ""
        self.state.provider, self.state.model = provider.name, provider.model
        self.state.theme = theme
        if self.writes_refused:
            return
        try:
            self.state.save(self.config.data_dir)
        except OSError as exc:
            self.notify(f"Could not save the app state: {exc}", "State", "warning")

    # ----------------------------------------------------------------- listing

    def list_headers(
        self, summaries: list[Summary], cache: HeaderCache, *, only_changed: bool = False
    ) -> tuple[list[Header], int]:
        """The list headers of `summaries` (cached while a file is unchanged, else read
        and cached; with `only_changed`, just those that had to be read), and how many
        files could not be read (listed, marked, never written)."""
        headers: list[Header] = []
        unreadable = 0
        for summary in summaries:
            if cached := cache.get(summary.id, summary.mtime):
                if not only_changed:
                    headers.append(cached)
                continue
            try:
                header = self.store.read_header(summary)
            except StoreError as exc:
                log.warning("unreadable: %s", exc)
                unreadable += 1
                title = f"⚠ unreadable: {summary.path.name}"
                header = Header(summary.id, title, "cannot read", "", None, summary.mtime)
            else:
                cache.put(header)
            headers.append(header)
        return headers, unreadable

    def start_search_build(self) -> bool:
        """Build a missing or old search cache in a separate, lowest-priority process
        when many files must be read (a few are read when the search screen opens);
        whether one is building it now. Blocks on a directory scan: call off the event
        loop (from any thread)."""
        with self._build_lock:
            if self.index_builder is not None and self.index_builder.poll() is None:
                return True
            if self.writes_refused or self.search_index.files_to_read() <= BUILD_APART_FROM:
                return False
            log.info("building the search cache in a separate process")
            self.index_builder = subprocess.Popen(
                [sys.executable, "-m", "tui.search", str(self.config.data_dir)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            return True

    # ----------------------------------------------------------------- quitting

    def prepare_quit(self) -> None:
        """Stop every reply (what arrived is kept, marked cancelled) and write it all;
        if the data dir refuses, keep copies in the temp dir and say where."""
        if self.index_builder is not None and self.index_builder.poll() is None:
            self.index_builder.terminate()  # only a cache, written atomically
        for run in list(self.replies.values()):
            run.cancel()
        self.replies.clear()
        if not self.saver.flush(timeout=10) and self.saver.failing:
            rescued = self.saver.rescue()
            where = ", ".join(str(p) for p in rescued) or "nowhere (the temp dir failed too)"
            self.exit_notes.append(
                f"tui-chat: {len(self.saver.failing)} conversation(s) could not be saved in "
                f"{self.config.data_dir}; copies were written to {where}."
            )

    async def aclose(self) -> None:
        """Close the HTTP clients and let go of the data dir."""
        await self.pool.aclose()
        await self.tools.aclose()
        self.data_lock.release()
