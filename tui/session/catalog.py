"""`ProviderCatalog`: which providers are ready, and their model lists, for one session.

Readiness starts from what is known without a network call (built-in, key present, key
missing) and is settled for local servers by a short probe of their model list. Model
lists are fetched once per session and cached. Nothing here blocks: the UI awaits these
coroutines inside workers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

from tui.config import Config, ProviderConfig
from tui.context import Window, configured_or_known
from tui.session.pool import AdapterPool

if TYPE_CHECKING:
    from tui.providers.base import ModelListing

PROBE_WAIT_S = 1.5
LIST_WAIT_S = 8.0


class Readiness(StrEnum):
    """Whether a provider can answer now."""

    READY = "ready"
    NEEDS_KEY = "needs key"
    UNREACHABLE = "not running"
    UNKNOWN = "not checked"


def is_local(provider: ProviderConfig) -> bool:
    """A server the user runs: no key needed, so only a probe tells whether it is up."""
    return provider.kind != "offline" and not provider.api_key_env


class ProviderCatalog:
    """Session cache of provider readiness and model lists."""

    def __init__(
        self, config: Config, pool: AdapterPool, environ: Mapping[str, str] | None = None
    ) -> None:
        self.config = config
        self.pool = pool
        self.environ = environ
        self.models: dict[str, ModelListing] = {}
        self.windows: dict[tuple[str, str], Window] = {}
        """Context windows found this session, by (provider name, model)."""
        self.readiness: dict[str, Readiness] = {
            name: self._initial(p) for name, p in config.providers.items()
        }

    def _initial(self, provider: ProviderConfig) -> Readiness:
        if provider.kind == "offline":
            return Readiness.READY
        if provider.missing_key(self.environ):
            return Readiness.NEEDS_KEY
        if is_local(provider):
            return Readiness.UNKNOWN
        return Readiness.READY

    def describe(self, name: str) -> str:
        """A few words for the picker: `ready · key set`, `needs $OPENAI_API_KEY`…"""
        provider = self.config.providers[name]
        state = self.readiness.get(name, Readiness.UNKNOWN)
        if provider.kind == "offline":
            return "ready · built-in, no network"
        if state is Readiness.NEEDS_KEY:
            return f"needs ${provider.api_key_env}"
        if is_local(provider):
            where = provider.base_url or ""
            return f"{state} · {where}"
        return f"{state} · key in ${provider.api_key_env}" if provider.api_key_env else str(state)

    async def fetch_models(
        self, provider: ProviderConfig, wait_s: float = LIST_WAIT_S
    ) -> ModelListing:
        """The provider's models (cached for the session once fetched without error)."""
        cached = self.models.get(provider.name)
        if cached is not None and cached.error is None:
            return cached
        if provider.missing_key(self.environ):
            from tui.providers.base import ModelListing

            listing = ModelListing(error=f"set ${provider.api_key_env} to list its models")
        else:
            # Building an adapter may import an SDK: keep it off the event loop.
            adapter = await asyncio.to_thread(self.pool.get, provider)
            listing = await adapter.list_models(wait_s)
            if not listing.reachable:
                self.readiness[provider.name] = Readiness.UNREACHABLE
            elif is_local(provider) or listing.error is None:
                self.readiness[provider.name] = Readiness.READY
        self.models[provider.name] = listing
        return listing

    def window_now(self, provider: ProviderConfig) -> Window | None:
        """The context window if known without waiting (found before, set, or in the table)."""
        if provider.context_window:  # a number the user set wins over what a server says
            return Window(provider.context_window, "config")
        found = self.windows.get((provider.name, provider.model))
        if found is not None and found.tokens is not None:
            return found
        return configured_or_known(None, provider.model) or found

    def needs_asking(self, provider: ProviderConfig) -> bool:
        """Whether `find_window` would ask the server (not set, not asked yet)."""
        return not provider.context_window and (provider.name, provider.model) not in self.windows

    async def find_window(self, provider: ProviderConfig, wait_s: float = PROBE_WAIT_S) -> Window:
        """The context window: set in config, else told by the server, else from the
        table of known models, else unknown (asked once per session and model)."""
        key = (provider.name, provider.model)
        if provider.context_window:
            return Window(provider.context_window, "config")
        if key not in self.windows:
            told = None
            if provider.kind != "offline" and not provider.missing_key(self.environ):
                adapter = await asyncio.to_thread(self.pool.get, provider)
                told = await adapter.context_window(provider.model, wait_s)
            if told:
                self.windows[key] = Window(told, "server")
            else:
                self.windows[key] = configured_or_known(None, provider.model) or Window(
                    None, "unknown"
                )
        return self.windows[key]

    async def probe_local_servers(self) -> dict[str, Readiness]:
        """Probe every local server at once with a short timeout; returns their readiness."""
        local = [p for p in self.config.providers.values() if is_local(p)]
        await asyncio.gather(*(self.fetch_models(p, PROBE_WAIT_S) for p in local))
        return {p.name: self.readiness[p.name] for p in local}

    def next_ready(self, current: str) -> str:
        """The next ready provider after `current`, in config order (wrapping round)."""
        names = list(self.config.providers)
        start = names.index(current) if current in names else -1
        for step in range(1, len(names) + 1):
            name = names[(start + step) % len(names)]
            if self.readiness.get(name) is Readiness.READY:
                return name
        return current

    def model_choices(self, provider: ProviderConfig) -> list[str]:
        """Model names to offer: the configured one first, then the fetched ones."""
        listing = self.models.get(provider.name)
        fetched = list(listing.models) if listing else []
        return [provider.model, *(m for m in fetched if m != provider.model)]
