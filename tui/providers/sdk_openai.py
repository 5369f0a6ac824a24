"""The `openai` SDK, loaded without aiohttp (see `hidden`) and with its catalogue of
types left to first use (see `lazy_import`): import it from here."""

from tui.providers.hidden import hidden, preload_async_backend
from tui.providers.lazy_import import lazy_packages

with hidden("aiohttp"), lazy_packages("openai.types", "openai.lib"):
    import openai
preload_async_backend()

__all__ = ["openai"]
