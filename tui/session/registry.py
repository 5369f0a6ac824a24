"""Build the adapter for a `ProviderConfig`, importing only the SDK it needs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from tui.config import ProviderConfig, api_key

if TYPE_CHECKING:
    from tui.providers.base import Provider


def build_provider(
    config: ProviderConfig,
    *,
    environ: Mapping[str, str] | None = None,
    config_path: str = "config.toml",
) -> Provider:
    """The adapter for `config`, with its key read from the environment."""
    if config.kind == "offline":
        from tui.providers.offline import OfflineProvider

        return OfflineProvider(chunk_delay=config.chunk_delay, config_path=config_path)
    if config.kind == "anthropic":
        from tui.providers.anthropic_msgs import AnthropicProvider

        return AnthropicProvider(
            name=config.name,
            base_url=config.base_url,
            api_key=api_key(config, environ),
            api_key_env=config.api_key_env,
            read_timeout=config.read_timeout,
        )
    from tui.providers.openai_chat import OpenAIChatProvider

    return OpenAIChatProvider(
        name=config.name,
        base_url=config.base_url or "https://api.openai.com/v1",
        api_key=api_key(config, environ),
        api_key_env=config.api_key_env,
        read_timeout=config.read_timeout,
    )
