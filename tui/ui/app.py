"""`ChatApp`: the Textual application. Builds the main screen; quits without losing text."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.config import Config, ProviderConfig
from tui.store import ConversationStore
from tui.ui.screens.main import MainScreen


class ChatApp(App[None]):
    """A full-screen chat client; `provider` is the one new conversations start with."""

    CSS_PATH = "tui.tcss"
    TITLE = "tui-chat"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
    ]

    def __init__(
        self,
        config: Config,
        store: ConversationStore,
        provider: ProviderConfig | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.store = store
        self.start_provider = provider or config.provider()

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(self.config, self.store, self.start_provider)

    @property
    def main_screen(self) -> MainScreen:
        """The chat screen (always at the bottom of the stack)."""
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    async def action_quit(self) -> None:
        """Save every conversation (streaming ones marked cancelled), then exit."""
        self.main_screen.prepare_quit()
        await self.main_screen.pool.aclose()
        self.exit()
