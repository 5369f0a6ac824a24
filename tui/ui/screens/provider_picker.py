"""`ProviderPickerDialog`: choose which configured provider answers next."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.config import ProviderConfig


def readiness(provider: ProviderConfig) -> str:
    """`ready`, `needs $KEY`, or `local server` (not probed yet)."""
    if provider.kind == "offline":
        return "ready · built-in, no network"
    if provider.missing_key():
        return f"needs ${provider.api_key_env}"
    if provider.api_key_env and provider.api_key():
        return "ready · key set"
    return f"local server at {provider.base_url}"


class ProviderPickerDialog(ModalScreen[str | None]):
    """Lists every provider with whether it is ready; dismisses with the chosen name."""

    DEFAULT_CSS = """
    ProviderPickerDialog { align: center middle; }
    ProviderPickerDialog > Vertical {
        width: 70; height: auto; max-height: 80%; border: thick $primary; background: $surface;
        padding: 0 1;
    }
    ProviderPickerDialog OptionList { height: auto; max-height: 20; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, providers: Mapping[str, ProviderConfig], current: str) -> None:
        super().__init__()
        self.providers = providers
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Switch provider (Enter to choose, Esc to cancel)")
            options = []
            for name, provider in self.providers.items():
                prompt = Text(f"{name}  ", style="bold")
                prompt.append(f"{provider.model}  ", style="")
                prompt.append(readiness(provider), style="dim")
                options.append(Option(prompt, id=name, disabled=provider.missing_key()))
            yield OptionList(*options)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = list(self.providers).index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
