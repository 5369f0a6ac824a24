"""The `anthropic` SDK, loaded without aiohttp (see `hidden`): import it from here."""

from tui.providers.hidden import hidden, preload_async_backend

with hidden("aiohttp"):
    import anthropic
preload_async_backend()

__all__ = ["anthropic"]
