"""Compare mode: one prompt, 2 to 4 provider/model pairs, one reply each.

The replies form one assistant message of the conversation: the first is shown and the
others are its alternatives, so the file holds them all while they stream. Keeping
reply `k` makes it the shown version; the rest stay as alternatives, browsable like
regenerated ones. Nothing here knows about terminals.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tui.config import Config, ProviderConfig
from tui.domain import ChatMessage, Conversation
from tui.engine.image_fit import ImageLoader
from tui.engine.request import build_request
from tui.engine.run import Clock, ReplyRun, new_reply

MIN_PAIRS, MAX_PAIRS = 2, 4


class PairError(ValueError):
    """A `provider:model` that names no provider, or a wrong number of pairs."""


def parse_pair(config: Config, text: str) -> ProviderConfig:
    """`provider:model` (or just `provider`, for its configured model) as a provider.

    Raises:
        PairError: no provider has that name.
    """
    name, _, model = text.strip().partition(":")
    if name not in config.providers:
        known = ", ".join(sorted(config.providers))
        raise PairError(f"no provider named '{name}' in '{text}' (known: {known})")
    return config.provider(name, model=model.strip() or None)


def check_count(count: int) -> None:
    """Raises `PairError` unless 2 to 4 pairs were chosen."""
    if not MIN_PAIRS <= count <= MAX_PAIRS:
        raise PairError(f"compare needs {MIN_PAIRS} to {MAX_PAIRS} provider:model pairs")


def label(provider: ProviderConfig) -> str:
    """`openai:gpt-4o-mini`, the way pairs are written."""
    return f"{provider.name}:{provider.model}"


def start_compare(
    conv: Conversation,
    providers: list[ProviderConfig],
    save: Callable[[], None] = lambda: None,
    clock: Clock = time.monotonic,
    images: ImageLoader | None = None,
) -> list[ReplyRun]:
    """Append one assistant message holding a reply per provider (the first shown, the
    rest as its alternatives) to `conv`, which ends with the user's prompt; returns a
    run per provider, each saving the whole conversation with `save` (`images` reads
    the conversation's images)."""
    runs = [
        ReplyRun(
            conv,
            new_reply(provider),
            provider,
            build_request(conv, provider, images=images),
            save=save,
            clock=clock,
            key=f"{conv.id}/{index}",
        )
        for index, provider in enumerate(providers)
    ]
    shown = runs[0].message
    shown.alternatives = [run.message for run in runs[1:]]
    conv.add(shown)
    return runs


def keep(shown: ChatMessage, index: int) -> None:
    """Make reply `index` of a compare (0 = the first pair) the shown version."""
    for _ in range((index - shown.version) % (len(shown.alternatives) + 1)):
        shown.step_version(1)
