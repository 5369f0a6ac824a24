"""`ModelPickerDialog`: choose a provider and one of its models (or type any model name)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.config import ProviderConfig
from tui.session.catalog import ProviderCatalog, Readiness


@dataclass(frozen=True)
class ModelChoice:
    """What the picker returns: a provider name and a model name."""

    provider: str
    model: str


class ModelPickerDialog(ModalScreen[ModelChoice | None]):
    """Providers on the left with readiness; models of the highlighted one on the right."""

    DEFAULT_CSS = """
    ModelPickerDialog { align: center middle; }
    ModelPickerDialog > Vertical {
        width: 100; max-width: 95%; height: 26; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ModelPickerDialog Horizontal { height: 1fr; }
    ModelPickerDialog #providers { width: 46; height: 1fr; }
    ModelPickerDialog #models-column { width: 1fr; height: 1fr; }
    ModelPickerDialog #models { height: 1fr; }
    ModelPickerDialog #models-note { color: $text-muted; height: auto; }
    ModelPickerDialog .help { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, catalog: ProviderCatalog, current: ProviderConfig) -> None:
        super().__init__()
        self.catalog = catalog
        self.current = current
        self.shown_provider = current.name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Switch provider and model", classes="title")
            yield Label(
                "↑↓ provider · Tab to its models · Enter to choose · type any model name below",
                classes="help",
            )
            with Horizontal():
                yield OptionList(*self._provider_options(), id="providers")
                with Vertical(id="models-column"):
                    yield Label("", id="models-note")
                    yield OptionList(id="models")
                    yield Input(placeholder="any model name, then Enter", id="model-input")

    def _provider_options(self) -> list[Option]:
        options = []
        for name in self.catalog.config.providers:
            needs_key = self.catalog.readiness.get(name) is Readiness.NEEDS_KEY
            options.append(Option(self._label(name), id=name, disabled=needs_key))
        return options

    def _label(self, name: str) -> Text:
        prompt = Text(name, style="bold")
        prompt.append(f"\n{self.catalog.describe(name)}", style="dim")
        return prompt

    def on_mount(self) -> None:
        providers = self.query_one("#providers", OptionList)
        providers.highlighted = list(self.catalog.config.providers).index(self.current.name)
        providers.focus()
        self._show_models(self.current.name)

    def _provider(self, name: str) -> ProviderConfig:
        if name == self.current.name:
            return self.current
        return self.catalog.config.provider(name)

    @on(OptionList.OptionHighlighted, "#providers")
    def provider_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None and event.option.id != self.shown_provider:
            self._show_models(event.option.id)

    def _show_models(self, name: str) -> None:
        self.shown_provider = name
        provider = self._provider(name)
        self._fill_models(provider)
        if name not in self.catalog.models:
            self.query_one("#models-note", Label).update(f"fetching {name}'s models…")
            self.fetch(provider)

    def _fill_models(self, provider: ProviderConfig) -> None:
        models = self.query_one("#models", OptionList)
        models.clear_options()
        models.add_options(Option(m, id=m) for m in self.catalog.model_choices(provider))
        models.highlighted = 0
        listing = self.catalog.models.get(provider.name)
        note = ""
        if listing is not None:
            note = listing.error or listed_words(len(listing.models), provider.name)
        self.query_one("#models-note", Label).update(note)

    @work(exclusive=True, group="fetch-models", exit_on_error=False)
    async def fetch(self, provider: ProviderConfig) -> None:
        """Fetch the provider's models and show them if it is still the one highlighted."""
        await self.catalog.fetch_models(provider)
        if self.shown_provider == provider.name:
            self._fill_models(provider)
            self._refresh_provider_labels()

    def _refresh_provider_labels(self) -> None:
        providers = self.query_one("#providers", OptionList)
        for name in self.catalog.config.providers:
            providers.replace_option_prompt(name, self._label(name))

    @on(OptionList.OptionSelected, "#providers")
    def provider_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#models", OptionList).focus()

    @on(OptionList.OptionSelected, "#models")
    def model_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(ModelChoice(self.shown_provider, event.option.id))

    @on(Input.Submitted, "#model-input")
    def model_typed(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(ModelChoice(self.shown_provider, event.value.strip()))


def listed_words(count: int, provider: str) -> str:
    """`12 models listed by openai` (`1 model …`)."""
    return f"{count} model{'' if count == 1 else 's'} listed by {provider}"
