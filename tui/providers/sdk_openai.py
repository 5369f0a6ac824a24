"""The `openai` SDK, loaded without aiohttp (see `hidden`): import it from here."""

from tui.providers.hidden import hidden

with hidden("aiohttp"):
    import openai

__all__ = ["openai"]
