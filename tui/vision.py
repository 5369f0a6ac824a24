"""Which models take images: a small table of those known not to, like the reasoning
table. Any other model is assumed to take them (local servers name models freely, and
a server that refuses says so: the refusal is shown in plain words).
"""

from __future__ import annotations

import re

from tui.config import ProviderKind

# Matched against the model's own name (a vendor prefix such as `openai/` dropped).
_NO_IMAGES = tuple(
    re.compile(pattern)
    for pattern in (
        r"gpt-3\.5",
        r"gpt-4-(0314|0613|32k)",
        r"gpt-4$",
        r"o1-mini",
        r"o1-preview",
        r"o3-mini",
        r"deepseek-(chat|reasoner|coder)",
        r"claude-2",
        r"claude-instant",
        r"text-",
        r"davinci",
        r"babbage",
    )
)


def _bare(model: str) -> str:
    # OpenRouter-style names carry a vendor prefix: `openai/gpt-4o-mini`.
    return model.rsplit("/", 1)[-1].lower()


def takes_images(kind: ProviderKind, model: str) -> bool:
    """Whether images may be sent to `model` (False only for models known not to take
    them; the offline guide takes anything)."""
    if kind == "offline":
        return True
    name = _bare(model)
    return not any(pattern.match(name) for pattern in _NO_IMAGES)


def warning(model: str, count: int = 1) -> str:
    """The sentence shown before images go to a model known not to take them."""
    what = "an image" if count == 1 else f"{count} images"
    return (
        f"{model} does not take images, so its server will likely refuse {what}: "
        "send without, or pick a model that reads images."
    )
