"""Who answers on the main screen: the provider line, switching, probes, compare mode."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.worker import Worker

from tui.config import ProviderConfig
from tui.domain import title_from
from tui.reasoning import ReasoningSetting
from tui.reasoning import describe as describe_reasoning
from tui.session.catalog import Readiness
from tui.ui.markdown_rows import warm_up_rendering
from tui.ui.widgets.prompt_input import PromptInput
from tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.ui.screens.main import MainScreen
    from tui.ui.screens.model_picker import ModelChoice


class ProviderActions:
    """Provider and model choices of `screen`, and the work done in the background for them."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._warmed_up = False
        self.loading: Worker[None] | None = None
        """The background SDK import of the current provider, once one started."""

    def show(self) -> None:
        """Provider, model and advice in the status line and header."""
        screen = self.screen
        provider, conv, catalog = screen.provider, screen.conversation, screen.session.catalog
        status = screen.query_one(StatusBar)
        label = f"{provider.name} · {provider.model}"
        setting = ReasoningSetting(conv.reasoning_effort, conv.thinking_budget)
        if words := describe_reasoning(setting, provider.kind, provider.model):
            label += f" · {words}"
        status.provider_label = label
        screen.app.sub_title = f"{provider.name} · {provider.model}"
        if screen.started and catalog.needs_asking(provider):
            self.find_window(provider)  # once per model: the catalog keeps the answer
        if provider.kind == "offline":
            status.hint = (
                "no model connected: set OPENAI_API_KEY or ANTHROPIC_API_KEY, or add a "
                f"provider to {screen.config.config_path}"
            )
        elif provider.missing_key():
            status.hint = f"set {provider.api_key_env} to use {provider.name}"
        else:
            status.hint = ""

    def preload(self, provider: ProviderConfig) -> None:
        """Build the provider's adapter in the background, so the first send does not wait."""
        session, warm = self.screen.session, not self._warmed_up
        self._warmed_up = True

        def load() -> None:
            session.preload(provider)
            if warm:
                warm_up_rendering()

        self.loading = self.screen.run_worker(
            load, thread=True, group="preload", exit_on_error=False
        )

    def probe_local_servers(self) -> None:
        """Find which local servers (Ollama, llama.cpp, LM Studio, vLLM) are running."""

        async def probe() -> None:
            found = await self.screen.session.catalog.probe_local_servers()
            running = [
                name
                for name, state in found.items()
                if state is Readiness.READY and name != self.screen.provider.name
            ]
            if running:
                names = ", ".join(running)
                self.screen.notify(f"Local server found: {names} (F3 or F2 to use it).")

        self.screen.run_worker(probe(), group="probe", exit_on_error=False)

    def find_window(self, provider: ProviderConfig) -> Worker[None]:
        """Learn the model's context window (its server is asked at most once), then
        show the meter with it."""

        async def find() -> None:
            await self.screen.session.catalog.find_window(provider)
            self.screen.refresh_status()

        # The function, not its coroutine: a lookup replaced before it starts is never called.
        return self.screen.run_worker(find, group="window", exclusive=True, exit_on_error=False)

    def pick_model(self) -> None:
        """Choose the provider and model for the next message of this conversation."""

        def chosen(choice: ModelChoice | None) -> None:
            if choice is not None:
                self.use(choice.provider, choice.model)

        catalog = self.screen.session.catalog
        from tui.ui.screens.model_picker import ModelPickerDialog

        self.screen.app.push_screen(ModelPickerDialog(catalog, self.screen.provider), chosen)

    def next_provider(self) -> None:
        """Switch to the next ready provider, without a dialog."""
        name = self.screen.session.catalog.next_ready(self.screen.provider.name)
        if name == self.screen.provider.name:
            self.screen.notify("No other provider is ready (F2 shows why).")
            return
        self.use(name)

    def use(self, name: str, model: str | None = None, *, quiet: bool = False) -> None:
        """Answer this conversation's next messages with `name` (and `model`)."""
        screen = self.screen
        screen.provider = provider = screen.session.provider_named(name, model)
        screen.conversation.provider, screen.conversation.model = provider.name, provider.model
        self.show()
        self.preload(provider)
        if not quiet:
            screen.notify(f"Next messages go to {provider.name} · {provider.model}.")

    # ----------------------------------------------------------------- compare mode

    def compare(self) -> None:
        """Send the typed message to 2 to 4 provider:model pairs at once (F7)."""
        screen = self.screen
        conv, text = screen.conversation, screen.query_one(PromptInput).text
        if not text.strip():
            screen.notify("Type the message first, then F7 sends it to several models at once.")
            return
        if conv.id in screen.session.replies or screen.editing is not None:
            screen.notify("Finish the reply (or the edit) in progress first.", severity="warning")
            return
        if refused := conv.read_only or screen.session.writes_refused:
            screen.notify(f"{refused}.", title="Read-only", severity="warning")
            return
        pairs, chosen = self.compare_choices()

        async def picked(pairs: list[str] | None) -> None:
            if pairs:
                await self.start_compare(text, pairs)

        from tui.ui.screens.compare import CompareSetupDialog

        screen.app.push_screen(CompareSetupDialog(pairs, chosen), picked)

    def compare_choices(self) -> tuple[list[str], list[str]]:
        """(pairs to offer, pairs ticked): the current model, those compared last,
        then the models of every ready provider."""
        from tui.compare import label as pair_label  # with the engine: not at start-up

        session = self.screen.session
        current = pair_label(self.screen.provider)
        pairs = [current, *(p for p in session.state.compare if p != current)]
        for name, provider in session.config.providers.items():
            if session.catalog.readiness.get(name) is not Readiness.READY:
                continue
            for model in session.catalog.model_choices(provider)[:8]:
                if (pair := f"{name}:{model}") not in pairs:
                    pairs.append(pair)
        chosen = [p for p in session.state.compare if p in pairs] or [current]
        return pairs, chosen

    async def start_compare(
        self, text: str, pairs: list[str], *, over_budget: bool = False
    ) -> None:
        """Stream a reply from each pair on the compare screen; keep the chosen one
        (held to the budget like any message)."""
        from tui.compare import PairError, parse_pair
        from tui.compare import keep as keep_reply

        screen, session = self.screen, self.screen.session
        if not over_budget and await screen.costs.refuses(
            lambda: self.start_compare(text, pairs, over_budget=True)
        ):
            return
        try:
            providers = [parse_pair(session.config, pair) for pair in pairs]
        except PairError as exc:
            screen.notify(f"{exc}.", title="Compare", severity="error")
            return
        providers = [session.provider_named(p.name, p.model) for p in providers]
        user = await asyncio.to_thread(screen.sender.user_message, text)
        if user is None:
            return
        # Each adapter imports its SDK the first time: before the clocks start.
        await asyncio.to_thread(lambda: [session.pool.get(p) for p in providers])
        conv = screen.conversation
        conv.add(user)
        screen.sender.remove_pending()
        screen.query_one(PromptInput).clear_sent(text)
        screen.messages.pane.add(user)
        session.state.compare = pairs
        runs = session.start_compare(conv, providers)
        screen.conversation_list.upsert(conv)
        from tui.ui.screens.compare import CompareScreen

        compare = CompareScreen(title_from(text), runs, start=screen.live.start)

        async def kept(index: int | None) -> None:
            keep_reply(runs[0].message, index or 0)
            session.save(conv)
            if conv is screen.conversation:
                chosen = runs[index or 0].provider
                self.use(chosen.name, chosen.model, quiet=True)
                await screen.redraw_conversation()
            screen.conversation_list.upsert(conv)
            screen.notify(
                f"Kept reply {(index or 0) + 1} of {len(runs)}; the others are its versions "
                "([ and ] on the reply step through them).",
                markup=False,
            )

        screen.app.push_screen(compare, kept)
