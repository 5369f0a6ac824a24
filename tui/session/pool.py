"""`AdapterPool`: one adapter (and HTTP connection pool) per provider for a session.

Building an adapter imports its SDK and creates an HTTP client, which takes a noticeable
fraction of a second the first time; `get` is thread-safe so the UI can do it off the
event loop, and later replies reuse the warm client.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from tui.config import ProviderConfig
from tui.session.registry import build_provider

if TYPE_CHECKING:
    from tui.providers.base import Provider

PoolKey = tuple[str, str, str | None, str | None, float, float]


def _key(config: ProviderConfig) -> PoolKey:
    # Everything an adapter is built from (the model is per request, not per adapter).
    return (
        config.name,
        config.kind,
        config.base_url,
        config.api_key_env,
        config.read_timeout,
        config.chunk_delay,
    )


class AdapterPool:
    """Adapters by provider settings, created on first use."""

    def __init__(
        self, *, environ: Mapping[str, str] | None = None, config_path: str = "config.toml"
    ) -> None:
        self.environ = environ
        self.config_path = config_path
        self._adapters: dict[PoolKey, Provider] = {}
        self._lock = threading.Lock()

    def get(self, config: ProviderConfig) -> Provider:
        """The adapter for `config`, built now if needed (safe from any thread)."""
        key = _key(config)
        with self._lock:
            adapter = self._adapters.get(key)
            if adapter is None:
                adapter = build_provider(config, environ=self.environ, config_path=self.config_path)
                self._adapters[key] = adapter
            return adapter

    async def aclose(self) -> None:
        """Close every adapter's HTTP client."""
        with self._lock:
            adapters, self._adapters = list(self._adapters.values()), {}
        for adapter in adapters:
            await adapter.aclose()
