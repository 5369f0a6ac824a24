"""The `anthropic` SDK, loaded without aiohttp (see `hidden`): import it from here."""

from tui.providers.hidden import hidden

with hidden("aiohttp"):
    import anthropic

__all__ = ["anthropic"]
