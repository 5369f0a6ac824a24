"""Reasoning controls: a conversation's `reasoning_effort` (OpenAI-style models) and
thinking budget (Anthropic), which models take them, and how they read in the status line.

A setting is kept on the conversation whatever the provider; it is sent only to a model
that accepts it, so switching provider never makes a request fail over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from tui.config import ProviderKind

EFFORT_STEPS: tuple[str | None, ...] = (None, "low", "medium", "high")
"""What the reasoning key steps through for an OpenAI-style model (None: not sent)."""
THINKING_STEPS: tuple[int | None, ...] = (None, 1024, 4096, 16384)
"""What the reasoning key steps through for an Anthropic model (None: thinking off)."""

# Models known to refuse the setting (a 400); any other model is sent it when set, since
# local servers name their models freely.
_NO_EFFORT = ("gpt-3.5", "gpt-4", "chatgpt-", "deepseek-chat")
_NO_THINKING = (
    "claude-2",
    "claude-instant",
    "claude-3-haiku",
    "claude-3-sonnet",
    "claude-3-opus",
    "claude-3-5",
)


@dataclass(frozen=True, slots=True)
class ReasoningSetting:
    """One conversation's reasoning controls (None: the provider's default)."""

    effort: str | None = None
    thinking_budget: int | None = None


def takes_effort(kind: ProviderKind, model: str) -> bool:
    """Whether `reasoning_effort` may be sent to this model."""
    return kind == "openai" and not _bare(model).startswith(_NO_EFFORT)


def takes_thinking(kind: ProviderKind, model: str) -> bool:
    """Whether extended thinking may be asked of this model."""
    return kind == "anthropic" and not _bare(model).startswith(_NO_THINKING)


def _bare(model: str) -> str:
    # OpenRouter-style names carry a vendor prefix: `openai/gpt-4o-mini`.
    return model.rsplit("/", 1)[-1].lower()


def sent(setting: ReasoningSetting, kind: ProviderKind, model: str) -> ReasoningSetting:
    """The part of `setting` this model accepts (the rest is left out of the request)."""
    return ReasoningSetting(
        setting.effort if takes_effort(kind, model) else None,
        setting.thinking_budget if takes_thinking(kind, model) else None,
    )


def step(setting: ReasoningSetting, kind: ProviderKind) -> ReasoningSetting:
    """The next setting for the reasoning key: effort for OpenAI-style providers, the
    thinking budget for Anthropic (the other field is kept)."""
    if kind == "anthropic":
        budget = _next(THINKING_STEPS, setting.thinking_budget)
        return ReasoningSetting(setting.effort, budget)
    return ReasoningSetting(_next(EFFORT_STEPS, setting.effort), setting.thinking_budget)


_T = TypeVar("_T")


def _next(steps: tuple[_T | None, ...], current: _T | None) -> _T | None:
    position = steps.index(current) if current in steps else 0
    return steps[(position + 1) % len(steps)]


def describe(setting: ReasoningSetting, kind: ProviderKind, model: str) -> str:
    """The status line's words: `effort high`, `thinking 4,096`, the setting with why
    it is not sent (`effort high (not for gpt-4o)`), or "" for the provider's default."""
    if kind == "anthropic":
        if not setting.thinking_budget:
            return ""
        words = f"thinking {setting.thinking_budget:,}"
        return words if takes_thinking(kind, model) else f"{words} (not for {model})"
    if kind != "openai" or not setting.effort:
        return ""
    words = f"effort {setting.effort}"
    return words if takes_effort(kind, model) else f"{words} (not for {model})"
