"""The built-in providers, and which of them becomes the default when its key is set."""

from __future__ import annotations

from dataclasses import replace

from tui.config.model import OFFLINE, ProviderConfig

PRESETS: dict[str, ProviderConfig] = {
    p.name: replace(p, preset=p.name)
    for p in (
        ProviderConfig(
            "openai", "openai", "gpt-4o-mini", "https://api.openai.com/v1", "OPENAI_API_KEY", True
        ),
        ProviderConfig(
            "anthropic",
            "anthropic",
            "claude-sonnet-4-5",
            "https://api.anthropic.com",
            "ANTHROPIC_API_KEY",
            True,
        ),
        ProviderConfig("ollama", "openai", "llama3.2", "http://localhost:11434/v1"),
        ProviderConfig("llamacpp", "openai", "default", "http://localhost:8080/v1"),
        ProviderConfig("lmstudio", "openai", "default", "http://localhost:1234/v1"),
        ProviderConfig("vllm", "openai", "default", "http://localhost:8000/v1"),
        ProviderConfig(
            "openrouter",
            "openai",
            "openai/gpt-4o-mini",
            "https://openrouter.ai/api/v1",
            "OPENROUTER_API_KEY",
            True,
        ),
        ProviderConfig(
            "deepseek",
            "openai",
            "deepseek-chat",
            "https://api.deepseek.com/v1",
            "DEEPSEEK_API_KEY",
            True,
        ),
        ProviderConfig(OFFLINE, "offline", "offline-guide"),
    )
}
"""Built-in providers by name (each its own `preset`); the file's `[providers.NAME]`
tables override them."""

KEYED_DEFAULTS = ("openai", "anthropic", "openrouter", "deepseek")
"""Picked as the default, in this order, when their key is in the environment."""
