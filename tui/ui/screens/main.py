"""`MainScreen`: the conversation list, the open conversation and the prompt.

It starts a worker per reply (each drives a `ReplyRun` of the session) and draws what
the workers report; the run itself keeps the counters, saves and finishes. Commands on
conversations, messages and providers live in their own modules, each given this screen.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Label, OptionList, Static
from textual.worker import Worker

from tui.config import ProviderConfig
from tui.domain import ChatMessage, Conversation
from tui.session.session import ChatSession
from tui.store import StoreError
from tui.ui.keymap import bindings
from tui.ui.messages import ReplyDelta, ReplyMessage, ReplyRetrying, ReplyTools
from tui.ui.screens.conversation_actions import ConversationActions
from tui.ui.screens.cost_actions import CostActions
from tui.ui.screens.delegate import delegate as _delegate
from tui.ui.screens.drafts import Drafts
from tui.ui.screens.image_actions import ImageActions
from tui.ui.screens.list_loader import list_newest
from tui.ui.screens.live_replies import TICK_S, LiveReplies
from tui.ui.screens.message_actions import MessageActions
from tui.ui.screens.provider_actions import ProviderActions
from tui.ui.screens.sending import Sender
from tui.ui.screens.tool_actions import ToolActions
from tui.ui.typeahead import keeping_typed
from tui.ui.widgets.conversation_list import ConversationList
from tui.ui.widgets.key_footer import KeyFooter
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.prompt_input import PromptInput
from tui.ui.widgets.reply_drawing import draw_reply_event
from tui.ui.widgets.status_bar import StatusBar


class MainScreen(Screen[None]):
    """The chat: list on the left, messages and prompt on the right."""

    SEARCH_BUILD_DELAY_S = 20.0
    """How long after start-up a missing search cache starts being built."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("chat")
    # -narrow: no list (tui.tcss). Not a ClassVar: Textual's annotation of it is not one.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-wide")]  # noqa: RUF012

    def __init__(
        self, session: ChatSession, provider: ProviderConfig, *, probe_local: bool = True
    ) -> None:
        super().__init__()
        self.session = session
        self.config = session.config
        self.probe_local = probe_local
        """Whether to look for local servers (Ollama, llama.cpp…) at startup."""
        self.provider = provider
        """The provider new messages go to."""
        session.providers[provider.name] = provider
        self.conversation = session.new_conversation(provider)
        """The conversation on screen (not on disk until its first message)."""
        self.drafts = Drafts(self)
        """Unsent text of conversations not on screen (and saving all unsent text)."""
        self.editing: ChatMessage | None = None
        """The user message being edited in the prompt (Up in an empty prompt), if any."""
        self.started = False
        """Whether start-up is over (network probes wait for it)."""
        self._stop_offered: bool | None = None
        self.conversations = ConversationActions(self)
        self.messages = MessageActions(self)
        self.providers = ProviderActions(self)
        self.sender = Sender(self)
        self.live = LiveReplies(self)
        self.tools = ToolActions(self)
        self.images = ImageActions(self)
        self.costs = CostActions(self)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield Input(placeholder="filter (Ctrl+F)", id="filter")
                yield ConversationList(id="conversations")
            with Vertical(id="chat"):
                yield MessagePane(id="messages", pictures=self.images.pictures)
                yield Label("▼ new text below · Ctrl+End jumps to the end", id="jump-hint")
                yield Static("", markup=False, id="pending-images")
                yield PromptInput(id="prompt")
        yield StatusBar(id="status")
        yield KeyFooter()

    async def on_mount(self) -> None:
        if refused := self.session.claim_data_dir():
            self.notify(refused + ".", title="Read-only", severity="warning", timeout=20)
        self.ticker = self.set_interval(TICK_S, self.live.tick, pause=True)
        if not self.session.state.sidebar:  # else shown where the screen is wide enough
            self.query_one("#sidebar").display = False
        self.drafts.restore()
        self.query_one(MessagePane).show(self.conversation)
        self.providers.show()
        self.query_one(PromptInput).focus()
        list_newest(self)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        for warning in self.config.warnings:
            self.notify(warning, title="Config", severity="warning", timeout=15)

    async def list_shown(self) -> None:
        """Once the newest conversations are listed: reopen the last one, then start the
        slower background work (the SDK import holds the GIL for half a second)."""
        state = self.session.state
        last, state.last_conversation = state.last_conversation, ""
        if last and not self.conversation.messages:
            async with keeping_typed(self.app, self.query_one(PromptInput)):
                await self.open_conversation(last, quiet=True)
        self.providers.preload(self.provider)  # the reopened conversation's provider
        self.started = True
        self.tools.start()
        self.costs.refresh()
        self.providers.find_window(self.provider)
        # Well after start-up: the first minute of a session is for the user.
        self.set_timer(self.SEARCH_BUILD_DELAY_S, self.conversations.build_search_cache)
        if self.probe_local:
            self.providers.probe_local_servers()

    def _theme_changed(self, _theme: object) -> None:
        self.save_state()
        # Code blocks pick a light or dark highlighting style when they are drawn.
        self.call_later(self.redraw_conversation)

    def save_state(self) -> None:
        """Remember the open conversation, provider, theme and unsent text for next time."""
        self.session.state.drafts = self.drafts.collect()
        self.session.save_state(self.conversation, self.provider, self.app.theme)

    @on(PromptInput.Changed, "#prompt")
    def typed(self) -> None:
        self.drafts.typed()

    @on(PromptInput.Submitted)
    async def send(self, event: PromptInput.Submitted) -> None:
        await self.sender.send(event.text)

    async def ask_for_reply(
        self, conv: Conversation, keep: list[ChatMessage] | None = None, *, drop: int = 0
    ) -> None:
        """Stream a reply to the end of `conv`; `keep` become its alternatives."""
        run = self.session.start_reply(conv, self.provider, drop=drop, keep=keep)
        self.query_one(MessagePane).add(run.message, live=True)
        self.live.start(run)
        self.conversation_list.upsert(conv)
        self.update_bindings()

    @on(ReplyDelta)
    @on(ReplyRetrying)
    @on(ReplyTools)
    async def reply_event(self, event: ReplyMessage) -> None:
        draw_reply_event(self.query_one(MessagePane), event)

    @on(Worker.StateChanged)
    async def worker_changed(self, event: Worker.StateChanged) -> None:
        await self.live.ended(event.worker, event.state)

    # ----------------------------------------------------------------- showing

    async def show_conversation(self, conv: Conversation) -> None:
        """Put `conv` on screen, keeping the draft of the one it replaces."""
        prompt = self.query_one(PromptInput)
        if prompt.text:
            self.drafts[self.drafts.key(self.conversation)] = prompt.text
        self.conversation = conv
        # One repaint for all of it: each costs a full-screen render.
        with self.app.batch_update():
            if conv.provider in self.config.providers:
                self.provider = self.session.provider_named(conv.provider, conv.model or None)
            await self.redraw_conversation()
            prompt.load_text(self.drafts.pop(self.drafts.key(conv), ""))
            self.providers.show()
            self.sender.show_pending()  # a queued message shows in its own conversation
            prompt.focus()
        if conv.read_only:
            self.notify(conv.read_only + ".", title="Read-only", severity="warning")

    async def redraw_conversation(self) -> None:
        """Re-render the open conversation (after its messages changed shape)."""
        run = self.session.replies.get(self.conversation.id)
        if run is not None:
            run.record()  # the view starts from all that arrived
        self.query_one(MessagePane).show(self.conversation, run.message if run else None)
        self.refresh_status()
        self.update_bindings()

    def refresh_status(self) -> None:
        """Counters for a live reply, or the conversation's totals; and the context meter."""
        window = self.session.catalog.window_now(self.provider)
        counters = self.live.live_counters()
        self.query_one(StatusBar).show_conversation(self.conversation, window, counters)

    def update_bindings(self) -> None:
        """Refresh the footer's keys when what they offer changed (each is a repaint)."""
        stop = self.conversation.id in self.session.replies or self.editing is not None
        if stop != self._stop_offered:
            self._stop_offered = stop
            self.refresh_bindings()

    @property
    def conversation_list(self) -> ConversationList:  # the sidebar list
        return self.query_one(ConversationList)

    @on(OptionList.OptionSelected, "#conversations")
    async def open_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            await self.open_conversation(event.option.id)

    async def open_conversation(self, conversation_id: str, *, quiet: bool = False) -> None:
        """Show a conversation, parsing its file the first time."""
        conv = self.session.loaded.get(conversation_id)
        if conv is None:
            try:
                # Parsing a long file takes a while: keep the UI answering meanwhile.
                conv = await asyncio.to_thread(self.session.store.load, conversation_id)
            except StoreError as exc:
                if not quiet:
                    self.notify(str(exc), title="Cannot open", severity="error")
                return
            self.session.loaded[conv.id] = conv
        await self.show_conversation(conv)

    # ----------------------------------------------------------------- actions

    def action_stop(self) -> None:
        """Take back a queued message, leave editing, or stop the reply (kept, cancelled)."""
        if self.editing is not None:
            self.messages.cancel_edit()
        elif self.sender.take_back_queued():
            return
        elif (run := self.session.replies.get(self.conversation.id)) is not None:
            run.cancel()

    def action_copy_text(self) -> None:  # Textual's own Ctrl+C, copying as we copy
        self.messages.copy_selection()

    action_new_conversation = _delegate("conversations.new")
    action_jump_to_end = _delegate("messages.jump_to_end")
    action_stats = _delegate("costs.stats")
    action_pick_model = _delegate("providers.pick_model")
    action_next_provider = _delegate("providers.next_provider")
    action_compare = _delegate("providers.compare")
    action_copy_reply = _delegate("messages.copy_reply")
    action_copy_message = _delegate("messages.copy_message")
    action_copy_code = _delegate("messages.copy_code")
    action_focus_messages = _delegate("messages.focus_messages")
    action_regenerate = _delegate("messages.regenerate")
    action_edit_last = _delegate("messages.edit_last")
    action_step_version = _delegate("messages.step_version")
    action_search = _delegate("conversations.search")
    action_filter = _delegate("conversations.filter")
    action_toggle_focus = _delegate("conversations.toggle_focus")
    action_toggle_sidebar = _delegate("conversations.toggle_sidebar")
    on_resize = _delegate("conversations.resized")
    action_on_highlighted = _delegate("conversations.on_highlighted")
    action_rename_conversation = _delegate("conversations.rename")
    action_delete_conversation = _delegate("conversations.delete")
    action_fork_conversation = _delegate("conversations.fork")
    action_export_conversation = _delegate("conversations.export")
    action_copy_conversation = _delegate("conversations.copy")
    action_edit_system_prompt = _delegate("conversations.edit_system_prompt")
    action_step_reasoning = _delegate("conversations.step_reasoning")
    action_tools = _delegate("tools.show")
    action_open_image = _delegate("images.open_image")
    action_paste_image = _delegate("images.paste_image")
    action_remove_pasted = _delegate("images.remove_pasted")

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.conversations.start_filter(event.value)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.conversation_list.focus()

    @on(PromptInput.EditLastRequested)
    def edit_last(self) -> None:  # Up in the empty box
        self.messages.edit_last()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        busy = self.conversation.id in self.session.replies or self.editing is not None
        return True if action != "stop" or busy else None  # Esc greyed when nothing to stop
