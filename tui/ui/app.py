"""`ChatApp`: the Textual application. It owns the session; themes, palette, help, quit."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import ClassVar, cast

from rich.console import RenderableType
from textual import events
from textual._compositor import CompositorUpdate
from textual.actions import parse
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import Screen

from tui.config import Config, ProviderConfig
from tui.inert import make_inert
from tui.logs import LOG_NAME, log_dir
from tui.session.session import ChatSession, Severity
from tui.state import AppState
from tui.store import ConversationStore
from tui.ui.keymap import bindings, palette_keys
from tui.ui.pictures import renderer
from tui.ui.screens.main import MainScreen
from tui.ui.screens.message_actions import applies_now
from tui.ui.sixels import with_sixels
from tui.ui.themes import bundled_theme_texts, load_themes, user_theme_texts
from tui.ui.typeahead import Typeahead
from tui.ui.user_keys import user_keymap
from tui.ui.widgets.message_pane import MessagePane

SWITCH_INTERVAL_S = 0.0005
"""How long a thread may hold the GIL while another waits for it (Python's default is
5 ms). Textual reads keys and writes frames on threads of their own: while a fast stream
kept the event loop busy, a key waited 5 ms for each step of its way in and its echo as
long on its way out (key echo while streaming: 81 -> 34 ms in an A/B of 8; 0.2 ms did no
better, 1 ms 52 ms)."""


class ChatApp(App[None]):
    """A full-screen chat client; `provider` is the one new conversations start with."""

    CSS_PATH = "tui.tcss"
    TITLE = "tui-chat"
    BINDINGS: ClassVar[list[BindingType]] = bindings("app")

    def __init__(
        self,
        config: Config,
        store: ConversationStore,
        provider: ProviderConfig | None = None,
        state: AppState | None = None,
        themes_dir: Path | None = None,
        probe_local: bool = True,
    ) -> None:
        super().__init__()
        self.typeahead = Typeahead(self, super().on_event)
        """Keys typed before the message box is ready, waiting for it."""
        self.keys_pressed = 0
        """Keys received so far: a streaming reply lets the screen draw each one first."""
        self.probe_local = probe_local
        self.config = config
        self.user_keys = user_keymap(config.keys)
        """The `[keys]` table ({id: keys}, checked before the app starts) over the defaults."""
        self.set_keymap(self.user_keys)
        self.session = ChatSession(
            config,
            store,
            state if state is not None else AppState.load(config.data_dir),
            notify=self._notify_from_anywhere,
        )
        """The long-lived services: saver, adapters, catalog, search, lock, replies."""
        self.start_provider = provider or self._remembered_provider()
        user_themes = themes_dir or config.config_path.parent / "themes"
        themes, self.theme_problems = load_themes(
            [*bundled_theme_texts(), *user_theme_texts(user_themes)]
        )
        for theme in themes:
            self.register_theme(theme)
        if self.session.state.theme in self.available_themes:
            self.theme = self.session.state.theme

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        # Notices carry text from outside (provider errors, titles, a tool server's
        # stderr): never markup, never terminal escapes, whoever asks.
        super().notify(
            make_inert(message),
            title=make_inert(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def _notify_from_anywhere(self, message: str, title: str, severity: Severity) -> None:
        self.notify(message, title=title, severity=severity, timeout=10)  # thread-safe

    def _remembered_provider(self) -> ProviderConfig:
        state = self.session.state
        name = state.provider
        if name in self.config.providers and not self.config.providers[name].missing_key():
            return self.config.provider(name, model=state.model or None)
        return self.config.provider()

    def get_default_screen(self) -> Screen[None]:
        self._main = MainScreen(self.session, self.start_provider, probe_local=self.probe_local)
        return self._main

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.keys_pressed += 1
        if not await self.typeahead.take(event):
            await super().on_event(event)

    def on_load(self) -> None:
        sys.setswitchinterval(SWITCH_INTERVAL_S)

    def on_mount(self) -> None:
        for problem in self.theme_problems:
            self.notify(problem, severity="warning")

    def on_ready(self) -> None:
        # What exists once the first screen is up (Textual, the screen, its widgets)
        # lives as long as the app: leave it out of garbage collection, which otherwise
        # rescans it all every few thousand allocations (about 20% of the time taken to
        # open a long conversation). Collection was off until now (`tui.__main__`).
        gc.freeze()
        gc.enable()

    @property
    def main_screen(self) -> MainScreen:
        """The chat screen (always at the bottom of the stack)."""
        return self._main

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        # Sixel pictures are drawn over the frame, after it (see `tui.ui.sixels`).
        update: object = renderable  # Textual passes its compositor's updates here
        if isinstance(update, CompositorUpdate) and renderer() == "sixel" and not self.is_headless:
            panes = [(pane, pane.sixel_places) for pane in screen.query(MessagePane)]
            renderable = cast(RenderableType, with_sixels(screen, update, panes))
        super()._display(screen, renderable)

    def _fatal_error(self) -> None:
        # Textual calls this when an exception escapes a handler, and then quits. Instead
        # of a traceback on the terminal: the traceback goes to the log, everything is
        # saved, and one plain sentence is printed once the screen is restored.
        error = self._exception
        logging.getLogger(__name__).error(
            "unexpected error; closing",
            exc_info=(type(error), error, error.__traceback__) if error else None,
        )
        try:
            self.prepare_quit()
        except Exception:
            logging.getLogger(__name__).exception("saving on the way out failed")
        what = f"{type(error).__name__}: {error}" if error else "unknown error"
        self.session.exit_notes.append(
            f"tui-chat closed after an unexpected error ({what}). Your conversations "
            f"were saved. The details are in {log_dir() / LOG_NAME}."
        )
        self.bell()
        self._close_messages_no_wait()

    async def on_unmount(self) -> None:
        # Close the HTTP clients while the event loop still runs (the SDKs would try
        # later, from a finalizer, when it is gone).
        await self.session.aclose()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main_screen
        for key in palette_keys():
            action = key.palette_action
            target: DOMNode = self if key.where == "app" else main
            if action is not None and self._applies(target, action):
                title = key.palette_title_in(self.user_keys)
                yield SystemCommand(title, key.words, self._runner(target, action))
        for name in self.config.personas:
            yield SystemCommand(
                f"New conversation as {name}",
                "Start with this persona's system prompt",
                self._persona_runner(main, name),
            )

    @staticmethod
    def _applies(target: DOMNode, action: str) -> bool:
        """Whether `action` can run now and makes sense (None, greyed out, counts as no)."""
        _, name, parameters = parse(action)
        if isinstance(target, MainScreen):
            return applies_now(target, name, parameters)
        return bool(target.check_action(name, parameters))

    def _runner(self, target: DOMNode, action: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self.run_action(action, target)

        return run

    @staticmethod
    def _persona_runner(main: MainScreen, name: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await main.conversations.new_from_persona(name)

        return run

    def action_help(self) -> None:
        """Show every key and the file locations."""
        from tui.ui.screens.help import HelpDialog

        if not isinstance(self.screen, HelpDialog):
            self.push_screen(HelpDialog(self.config))

    def prepare_quit(self) -> None:
        """Stop every reply (what arrived is kept, marked cancelled), write everything,
        and remember the open conversation for next time."""
        self.session.prepare_quit()
        self.main_screen.save_state()

    async def action_quit(self) -> None:
        """Save every conversation (streaming ones marked cancelled) and the state; exit."""
        self.prepare_quit()
        self.exit()
