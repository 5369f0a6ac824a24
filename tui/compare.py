"""Compare mode: one prompt, 2 to 4 provider/model pairs, one reply each.

The replies form one assistant message of the conversation: the first is shown and the
others are its alternatives, so the file holds them all while they stream. Keeping
reply `k` makes it the shown version; the rest stay as alternatives, browsable like
regenerated ones. Nothing here knows about terminals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tui.config import Config, ProviderConfig
from tui.context import estimate_tokens
from tui.domain import ChatMessage, Conversation, MessageStatus, Role
from tui.engine import build_request
from tui.providers.base import ChatRequest
from tui.providers.events import ReplyEvent, Usage
from tui.providers.reply import ReplyState

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


@dataclass
class Contender:
    """One pair's reply while it streams: its message, what arrived, and its timing."""

    provider: ProviderConfig
    request: ChatRequest
    message: ChatMessage
    state: ReplyState = field(default_factory=ReplyState)
    started: float = field(default_factory=time.monotonic)
    first_token: float | None = None
    ended: float | None = None

    def apply(self, event: ReplyEvent) -> None:
        """Fold an event in, noting when the first piece of the reply came."""
        if self.first_token is None and not isinstance(event, Usage):
            self.first_token = time.monotonic()
        self.state.apply(event)

    def end(self) -> None:
        """Note the moment the reply ended."""
        self.ended = self.ended or time.monotonic()

    @property
    def ttft(self) -> float | None:
        """Seconds from the request to the first piece of the reply."""
        return None if self.first_token is None else self.first_token - self.started

    @property
    def elapsed(self) -> float:
        """Seconds from the request to the end (or to now, while streaming)."""
        return (self.ended or time.monotonic()) - self.started

    def rate(self) -> float | None:
        """Output tokens per second after the first token (estimated until reported)."""
        tokens = self.state.output_tokens
        if tokens is None:
            tokens = estimate_tokens(self.state.text + self.state.reasoning)
        if self.first_token is None:
            return None
        streaming = (self.ended or time.monotonic()) - self.first_token
        return tokens / streaming if streaming > 0.05 else None


def start_compare(conv: Conversation, providers: list[ProviderConfig]) -> list[Contender]:
    """Append one assistant message holding a reply per provider (the first shown, the
    rest as its alternatives) to `conv`, which ends with the user's prompt."""
    contenders = []
    for provider in providers:
        message = ChatMessage(
            role=Role.ASSISTANT,
            content="",
            provider=provider.name,
            model=provider.model,
            status=MessageStatus.STREAMING,
        )
        contenders.append(Contender(provider, build_request(conv, provider), message))
    shown = contenders[0].message
    shown.alternatives = [c.message for c in contenders[1:]]
    conv.add(shown)
    return contenders


def keep(shown: ChatMessage, index: int) -> None:
    """Make reply `index` of a compare (0 = the first pair) the shown version."""
    for _ in range((index - shown.version) % (len(shown.alternatives) + 1)):
        shown.step_version(1)
