"""`MainScreen`: the conversation list, the open conversation and the prompt.

It starts one reply worker per conversation, folds the workers' messages into the
conversation and its views, and hands snapshots to the saver. Widgets never call the
store or a provider; workers never touch a widget. Conversation and message commands
live in the mixins this screen is built from.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Input, Label, OptionList
from textual.worker import Worker, WorkerState

from tui.attachments import AttachmentError, mentioned_files, read_attachment, resolve
from tui.compare import PairError, parse_pair, start_compare
from tui.compare import keep as keep_reply
from tui.compare import label as compare_label
from tui.config import ProviderConfig
from tui.context import (
    Window,
    estimate_tokens,
    fill,
    message_tokens,
    oldest_to_drop,
    short_count,
)
from tui.domain import ChatMessage, Conversation, Role, title_from
from tui.engine import build_request, record_reply, start_reply
from tui.providers.base import ChatRequest
from tui.providers.catalog import Readiness
from tui.providers.events import (
    Finished,
    FinishReason,
    ReasoningDelta,
    RefusalDelta,
    TextDelta,
)
from tui.search import Hit
from tui.store import Header as FileHeader
from tui.store import StoreError, Summary
from tui.store.header_cache import HeaderCache
from tui.ui.keymap import bindings
from tui.ui.live_reply import LiveReply
from tui.ui.messages import ReplyDelta, ReplyFinished, ReplyRetrying, ReplyUsage
from tui.ui.screens.compare import CompareScreen, CompareSetupDialog
from tui.ui.screens.conversation_commands import ConversationCommands
from tui.ui.screens.dialogs import ChoiceDialog
from tui.ui.screens.message_commands import MessageCommands
from tui.ui.screens.model_picker import ModelChoice, ModelPickerDialog
from tui.ui.screens.search import SearchScreen
from tui.ui.streaming import stream_reply
from tui.ui.widgets.conversation_list import ConversationList
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.message_view import MessageView, warm_up_rendering
from tui.ui.widgets.prompt_input import PromptInput
from tui.ui.widgets.status_bar import StatusBar

log = logging.getLogger(__name__)

SAVE_EVERY_S = 1.0
FIRST_LIST_BATCH = 60
TICK_S = 0.25


class MainScreen(ConversationCommands, MessageCommands):
    """The chat: list on the left, messages and prompt on the right."""

    _unreadable = 0
    """Conversation files whose head could not be read, at the last listing."""
    _warmed_up = False
    """Whether the Markdown and code rendering has been warmed up off screen."""
    comparing: CompareScreen | None = None
    """The compare screen while it is open."""
    SEARCH_BUILD_DELAY_S = 20.0
    """How long after start-up a missing search cache starts being built."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("chat")
    """Every "chat" key of the table, the mixins' actions included."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield Input(placeholder="filter (Ctrl+F)", id="filter")
                yield ConversationList(id="conversations")
            with Vertical(id="chat"):
                yield MessagePane(id="messages")
                yield Label("▼ new text below · Ctrl+End jumps to the end", id="jump-hint")
                yield PromptInput(id="prompt")
        yield StatusBar(id="status")
        yield Footer()

    async def on_mount(self) -> None:
        self.claim_data_dir()
        self._ticker = self.set_interval(TICK_S, self._tick, pause=True)
        self.query_one("#sidebar").display = self.state.sidebar
        await self.query_one(MessagePane).show(self.conversation)
        self.show_provider()
        self.query_one(PromptInput).focus()
        self.load_list()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        for warning in self.config.warnings:
            self.notify(warning, title="Config", severity="warning", timeout=15)

    async def _list_shown(self) -> None:
        """Once the newest conversations are listed: start the slower background work
        (the SDK import holds the GIL for half a second) and reopen the last
        conversation, so neither delays the first screen."""
        self.preload_sdk(self.provider)
        self.started = True
        self.find_window(self.provider)
        # Well after start-up: the first minute of a session is for the user.
        self.set_timer(self.SEARCH_BUILD_DELAY_S, self.prepare_search_index)
        if self.probe_local:
            self.probe_local_servers()
        last, self.state.last_conversation = self.state.last_conversation, ""
        if last and not self.conversation.messages:
            await self.open_conversation(last, quiet=True)
        # What exists now (Textual, the screen, the list) lives as long as the app: leave
        # it out of garbage collection, which otherwise rescans it all every few
        # thousand allocations (about 20% of the time taken to open a long conversation).
        gc.freeze()

    def _theme_changed(self, _theme: object) -> None:
        self.save_state()
        # Code blocks pick a light or dark highlighting style when they are drawn.
        self.call_later(self.redraw_conversation)

    # ----------------------------------------------------------------- background work

    @work(thread=True, exclusive=True, group="list", exit_on_error=False)
    def load_list(self) -> None:
        """Fill the list from each file's header (never its messages).

        With a header cache from the last run, the list shows it at once, and the
        folder scan that follows only reads the files that changed since. Without
        one, the newest screenful is read first so the list is usable at once.
        """
        self._unreadable = 0
        cache = HeaderCache(self.config.data_dir).load()
        listing = self.conversation_list
        if cache.headers:
            self.app.call_from_thread(listing.set_headers, list(cache.headers.values()))
            self.app.call_from_thread(self.call_later, self._list_shown)
            summaries = self.store.list_summaries()
            changed = self._headers(summaries, cache, only_changed=True)
            gone = cache.headers.keys() - {summary.id for summary in summaries}
            if changed or gone:
                self.app.call_from_thread(listing.update_headers, changed, gone)
        else:
            summaries = self.store.list_summaries()
            first, rest = summaries[:FIRST_LIST_BATCH], summaries[FIRST_LIST_BATCH:]
            self.app.call_from_thread(listing.set_headers, self._headers(first, cache))
            self.app.call_from_thread(self.call_later, self._list_shown)
            if rest:
                self.app.call_from_thread(listing.set_headers, self._headers(rest, cache))
        cache.keep_only({summary.id for summary in summaries})
        if not self.writes_refused:
            cache.save()
        if self._unreadable:
            self.app.notify(
                f"{self._unreadable} conversation file(s) could not be read; they are marked "
                "⚠ in the list (open one to see why) and are never written over.",
                title="Unreadable files",
                severity="warning",
                timeout=10,
            )

    def _headers(
        self, summaries: list[Summary], cache: HeaderCache, *, only_changed: bool = False
    ) -> list[FileHeader]:
        """The list headers of `summaries`: cached while a file is unchanged, else read
        (and cached). With `only_changed`, just those that had to be read."""
        headers: list[FileHeader] = []
        for summary in summaries:
            if cached := cache.get(summary.id, summary.mtime):
                if not only_changed:
                    headers.append(cached)
                continue
            try:
                header = self.store.read_header(summary)
            except StoreError as exc:
                # Listed, marked, never written: opening it shows why it is unreadable.
                log.warning("unreadable: %s", exc)
                self._unreadable += 1
                title = f"⚠ unreadable: {summary.path.name}"
                header = FileHeader(summary.id, title, "cannot read", "", None, summary.mtime)
            else:
                cache.put(header)
            headers.append(header)
        return headers

    @work(thread=True, group="preload", exit_on_error=False)
    def preload_sdk(self, provider: ProviderConfig) -> None:
        """Build the provider's adapter in the background, so the first send does not wait."""
        if not provider.missing_key():
            self.pool.get(provider)
        if not self._warmed_up:
            self._warmed_up = True
            warm_up_rendering()

    @work(group="probe", exit_on_error=False)
    async def probe_local_servers(self) -> None:
        """Find which local servers (Ollama, llama.cpp, LM Studio, vLLM) are running."""
        found = await self.catalog.probe_local_servers()
        running = [
            name
            for name, state in found.items()
            if state is Readiness.READY and name != self.provider.name
        ]
        if running:
            self.notify(f"Local server found: {', '.join(running)} (F3 or F2 to use it).")

    # ----------------------------------------------------------------- sending

    @on(PromptInput.Submitted)
    async def send(self, event: PromptInput.Submitted) -> None:
        """Save the user's message, then start the reply worker."""
        conv = self.conversation
        if conv.id in self.live:
            self.notify("A reply is still streaming here; Esc stops it.", severity="warning")
            return
        if refused := conv.read_only or self.writes_refused:
            self.notify(
                f"{refused}. Your text stays in the box: Ctrl+N starts a new "
                "conversation, or fork this one (f in the list) to continue in a copy.",
                title="Read-only",
                severity="warning",
            )
            return
        if self.editing is not None:
            await self.resend_edited(event.text)
            return
        user = self.user_message(event.text)
        if user is None:
            return
        window = self.catalog.window_now(self.provider)
        need = fill(conv, [user]).tokens
        if window is None or window.tokens is None or need <= window.tokens:
            await self.deliver(conv, user)
            return

        async def chosen(choice: str | None) -> None:
            if choice is None:
                return  # the text stays in the box
            drop = oldest_to_drop(conv, user, window.tokens or 0) if choice == "drop" else 0
            await self.deliver(conv, user, drop=drop)
            if drop:
                self.notify(f"Sent without the {drop} oldest messages; they stay here.")

        self.app.push_screen(context_full_dialog(conv, user, need, window, self.provider), chosen)

    def user_message(self, text: str) -> ChatMessage | None:
        """The user's message with the files it mentions (`@path`) attached; None (and
        a notice) if one cannot be attached."""
        attachments = []
        for name in mentioned_files(text, Path.cwd()):
            try:
                path = resolve(name, Path.cwd())
                attachments.append(read_attachment(path, name, self.config.attach_limit))
            except AttachmentError as exc:
                self.notify(f"{exc} Your message was not sent.", title="Attach", severity="error")
                return None
        return ChatMessage(Role.USER, text, attachments=attachments)

    async def deliver(self, conv: Conversation, user: ChatMessage, *, drop: int = 0) -> None:
        """Add the user's message to `conv` and ask for the reply (the oldest `drop`
        messages left out of the request)."""
        if conv.id in self.live:
            return
        conv.add(user)
        if conv is self.conversation:
            self.query_one(PromptInput).clear()
            await self.query_one(MessagePane).add(user)
        self.drafts.pop(conv.id, None)
        await self.ask_for_reply(conv, drop=drop)

    async def ask_for_reply(
        self, conv: Conversation, keep: list[ChatMessage] | None = None, *, drop: int = 0
    ) -> None:
        """Stream a reply to the end of `conv`; `keep` become its alternatives."""
        conv.provider, conv.model = self.provider.name, self.provider.model
        self.loaded[conv.id] = conv
        self.save(conv)  # written before the request leaves: see `stream_reply(saved=…)`
        request = build_request(conv, self.provider, drop=drop)
        reply = start_reply(conv, self.provider)
        reply.dropped = drop
        if keep:
            reply.alternatives = keep
            reply.version = len(keep)
        await self.query_one(MessagePane).add(reply, live=True)
        self._start_worker(conv, reply, request)

    def _start_worker(self, conv: Conversation, reply: ChatMessage, request: ChatRequest) -> None:
        live = LiveReply(conv, reply)
        self.live[conv.id] = live
        live.worker = self.run_worker(
            stream_reply(
                self,
                conv.id,
                self.config,
                self.provider,
                request,
                self.pool,
                saved=self.saver.flush,
            ),
            name=f"reply:{conv.id}",
            group=f"reply:{conv.id}",
            description=f"{self.provider.name} {self.provider.model} reply",
            exclusive=True,
            exit_on_error=False,
        )
        self.conversation_list.upsert(conv)
        self._ticker.resume()
        self._tick()
        self.update_bindings()

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
                case RefusalDelta(text):
                    view.feed_text(text)
        if time.monotonic() - live.last_save >= SAVE_EVERY_S:
            record_reply(live.message, live.state)
            self.save(live.conversation)
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
            live.retrying(retry.delay, retry.error.kind.replace("_", " "))
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
        self.save(conv)
        view = self._live_view(live)
        if view is not None:
            await view.finish()
        if event.error is not None:
            kept = " What arrived is kept." if live.state.text else ""
            self.notify(
                f"{event.error.message}{kept} Ctrl+R asks again (F2 picks another model).",
                title="Reply failed",
                severity="error",
                timeout=8,
            )
        self.conversation_list.upsert(conv)
        if not self.live:
            self._ticker.pause()
        self._tick()
        self.update_bindings()

    @on(Worker.StateChanged)
    def worker_ended(self, event: Worker.StateChanged) -> None:
        """Finish a reply whose worker ended without saying so (cancelled before it ran)."""
        if event.state not in (WorkerState.CANCELLED, WorkerState.ERROR, WorkerState.SUCCESS):
            return
        for conversation_id, live in self.live.items():
            if live.worker is event.worker:
                failed = event.state is WorkerState.ERROR
                reason = FinishReason.ERROR if failed else FinishReason.CANCELLED
                self.post_message(ReplyFinished(conversation_id, reason, None, None))
                return

    def _live_view(self, live: LiveReply) -> MessageView | None:
        if live.conversation is not self.conversation:
            return None
        return self.query_one(MessagePane).view_for(live.message)

    def _tick(self) -> None:
        """Refresh counters and the jump hint (4 times a second while streaming)."""
        self.refresh_status()
        live = self.live.get(self.conversation.id)
        if live is not None:
            view = self._live_view(live)
            if view is not None:
                view.set_status(self.query_one(StatusBar).counters)
        pane = self.query_one(MessagePane)
        self.query_one("#jump-hint").display = live is not None and pane.scrolled_up

    def prepare_quit(self) -> None:
        """Stop every stream, keep what arrived (marked cancelled) and write it all."""
        if self.comparing is not None:
            self.comparing.stop_all()
        if self.index_builder is not None and self.index_builder.poll() is None:
            self.index_builder.terminate()  # only a cache, written atomically
        for live in list(self.live.values()):
            if live.worker is not None:
                live.worker.cancel()
            if not live.state.finished:
                live.state.apply(Finished(FinishReason.CANCELLED))
            record_reply(live.message, live.state)
            self.save(live.conversation)
        self.live.clear()
        if not self.saver.flush(timeout=10) and self.saver.failing:
            # The last resort: the data dir still refuses, so keep the text elsewhere.
            rescued = self.saver.rescue()
            where = ", ".join(str(p) for p in rescued) or "nowhere (the temp dir failed too)"
            self.exit_notes.append(
                f"tui-chat: {len(self.saver.failing)} conversation(s) could not be saved in "
                f"{self.config.data_dir}; copies were written to {where}."
            )
        self.save_state()

    # ----------------------------------------------------------------- opening

    @on(OptionList.OptionSelected, "#conversations")
    async def open_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            await self.open_conversation(event.option.id)

    async def open_conversation(self, conversation_id: str, *, quiet: bool = False) -> None:
        """Show a conversation, parsing its file the first time."""
        conv = self.loaded.get(conversation_id)
        if conv is None:
            try:
                # Parsing a long file takes a while: keep the UI answering meanwhile.
                conv = await asyncio.to_thread(self.store.load, conversation_id)
            except StoreError as exc:
                if not quiet:
                    self.notify(str(exc), title="Cannot open", severity="error")
                return
            self.loaded[conv.id] = conv
        await self.show_conversation(conv)

    # ----------------------------------------------------------------- actions

    async def action_new_conversation(self) -> None:
        """Start an empty conversation with the current provider."""
        await self.show_conversation(self.new_conversation())

    def action_search(self) -> None:
        """Search every conversation; the chosen one opens at the match."""

        async def chosen(hit: Hit | None) -> None:
            if hit is None:
                return
            await self.open_conversation(hit.conversation_id)
            messages = self.conversation.messages
            index = hit.message_index
            if self.conversation.id != hit.conversation_id or index is None:
                return
            if index < len(messages):
                view = await self.query_one(MessagePane).reveal(messages[index])
                if view is not None:
                    view.focus(scroll_visible=False)

        self.app.push_screen(SearchScreen(self.search_index, self.index_builder), chosen)

    def action_compare(self) -> None:
        """Send the typed message to 2 to 4 provider:model pairs at once (F7)."""
        conv, text = self.conversation, self.query_one(PromptInput).text
        if not text.strip():
            self.notify("Type the message first, then F7 sends it to several models at once.")
            return
        if conv.id in self.live or self.editing is not None:
            self.notify("Finish the reply (or the edit) in progress first.", severity="warning")
            return
        if refused := conv.read_only or self.writes_refused:
            self.notify(f"{refused}.", title="Read-only", severity="warning")
            return
        pairs, chosen = self.compare_choices()

        async def picked(pairs: list[str] | None) -> None:
            if pairs:
                await self.start_compare(text, pairs)

        self.app.push_screen(CompareSetupDialog(pairs, chosen), picked)

    def compare_choices(self) -> tuple[list[str], list[str]]:
        """(pairs to offer, pairs ticked): the current model, those compared last,
        then the models of every ready provider."""
        current = compare_label(self.provider)
        pairs = [current, *(p for p in self.state.compare if p != current)]
        for name, provider in self.config.providers.items():
            if self.catalog.readiness.get(name) is not Readiness.READY:
                continue
            for model in self.catalog.model_choices(provider)[:8]:
                if (pair := f"{name}:{model}") not in pairs:
                    pairs.append(pair)
        chosen = [p for p in self.state.compare if p in pairs] or [current]
        return pairs, chosen

    async def start_compare(self, text: str, pairs: list[str]) -> None:
        """Stream a reply from each pair on the compare screen; keep the chosen one."""
        try:
            providers = [parse_pair(self.config, pair) for pair in pairs]
        except PairError as exc:
            self.notify(f"{exc}.", title="Compare", severity="error")
            return
        providers = [self.provider_named(p.name, p.model) for p in providers]
        user = self.user_message(text)
        if user is None:
            return
        # Each adapter imports its SDK the first time: before the clocks start.
        await asyncio.to_thread(lambda: [self.pool.get(p) for p in providers])
        conv = self.conversation
        conv.add(user)
        self.query_one(PromptInput).clear()
        await self.query_one(MessagePane).add(user)
        self.state.compare = pairs
        self.loaded[conv.id] = conv
        contenders = start_compare(conv, providers)
        self.save(conv)  # on disk before the requests leave: see `CompareScreen(saved=…)`
        self.conversation_list.upsert(conv)
        screen = CompareScreen(
            title_from(text),
            contenders,
            self.config,
            self.pool,
            save=lambda: self.save(conv),
            saved=self.saver.flush,
        )
        self.comparing = screen

        async def kept(index: int | None) -> None:
            self.comparing = None
            shown = contenders[0].message
            keep_reply(shown, index or 0)
            self.save(conv)
            if conv is self.conversation:
                chosen = contenders[index or 0].provider
                self.use_provider(chosen.name, chosen.model, quiet=True)
                await self.redraw_conversation()
            self.conversation_list.upsert(conv)
            count = len(contenders)
            self.notify(
                f"Kept reply {(index or 0) + 1} of {count}; the others are its versions "
                "([ and ] on the reply step through them).",
                markup=False,
            )

        self.app.push_screen(screen, kept)

    def action_stop(self) -> None:
        """Stop the open conversation's reply (what arrived is kept, marked cancelled),
        or leave editing the last message."""
        if self.editing is not None:
            self.cancel_edit()
            return
        live = self.live.get(self.conversation.id)
        if live is not None and live.worker is not None:
            live.worker.cancel()

    def action_toggle_focus(self) -> None:
        """Move focus between the conversation list and the prompt."""
        listing = self.conversation_list
        if listing.has_focus or not listing.display:
            self.query_one(PromptInput).focus()
        else:
            listing.focus()

    def action_toggle_sidebar(self) -> None:
        """Show or hide the conversation list."""
        sidebar = self.query_one("#sidebar")
        sidebar.display = not sidebar.display
        self.state.sidebar = bool(sidebar.display)
        if not sidebar.display:
            self.query_one(PromptInput).focus()

    def action_jump_to_end(self) -> None:
        """Scroll to the newest text and follow the stream again."""
        self.query_one(MessagePane).anchor()

    def action_pick_model(self) -> None:
        """Choose the provider and model for the next message of this conversation."""

        def chosen(choice: ModelChoice | None) -> None:
            if choice is not None:
                self.use_provider(choice.provider, choice.model)

        self.app.push_screen(ModelPickerDialog(self.catalog, self.provider), chosen)

    def action_next_provider(self) -> None:
        """Switch to the next ready provider, without a dialog."""
        name = self.catalog.next_ready(self.provider.name)
        if name == self.provider.name:
            self.notify("No other provider is ready (F2 shows why).")
            return
        self.use_provider(name)

    def use_provider(self, name: str, model: str | None = None, *, quiet: bool = False) -> None:
        """Answer this conversation's next messages with `name` (and `model`)."""
        self.provider = self.provider_named(name, model)
        self.conversation.provider = self.provider.name
        self.conversation.model = self.provider.model
        self.show_provider()
        self.preload_sdk(self.provider)
        if not quiet:
            self.notify(f"Next messages go to {self.provider.name} · {self.provider.model}.")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            busy = self.conversation.id in self.live or self.editing is not None
            return True if busy else None
        return super().check_action(action, parameters)


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
