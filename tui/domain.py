"""Conversations and messages: plain data shared by the store, the CLI and the UI."""

from __future__ import annotations

import secrets
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

TITLE_LENGTH = 60


class Role(StrEnum):
    """Who wrote a message."""

    USER = "user"
    ASSISTANT = "assistant"


class MessageStatus(StrEnum):
    """Whether a message is complete. A `streaming` one found on disk was interrupted."""

    DONE = "done"
    STREAMING = "streaming"


def utc_now() -> datetime:
    """The current time, UTC-aware (what every stored timestamp uses)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image of a message (or a tool result), stored once in the data dir's blobs and
    referred to by the sha256 of its bytes."""

    sha256: str
    """The full hex digest (64 characters) of the stored bytes."""
    name: str
    """The path as the user gave it, `clipboard`, or the tool's name."""
    media_type: str
    """image/png, image/jpeg, image/gif or image/webp."""
    size: int
    """Bytes."""
    width: int
    height: int


@dataclass(slots=True)
class ToolResult:
    """What a tool call gave back (or why it did not run), as the model was sent it."""

    text: str
    is_error: bool = False
    duration_s: float | None = None
    """How long the call took; None when it never ran (denied, unknown tool, bad JSON)."""
    images: list[ImageRef] = field(default_factory=list)
    """Images the tool returned (stored as blobs), after its text."""


@dataclass(slots=True)
class ToolCallRecord:
    """A tool call the model asked for: `arguments` is the JSON text as streamed."""

    id: str
    name: str
    """The tool's name as the model called it (the name it was offered under)."""
    arguments: str
    server: str = ""
    """The MCP server that has the tool ("" when no server has it)."""
    tool: str = ""
    """The tool's own name on that server, when it differs from `name`."""
    result: ToolResult | None = None
    """None until the call has run (or been refused)."""
    phase: str = field(default="", compare=False)
    """While its reply streams: where the call is (asking, running…). Not saved."""


@dataclass(slots=True)
class ToolStep:
    """One round of a reply that called tools: its text, then its calls and their results."""

    text: str
    calls: list[ToolCallRecord]
    reasoning: str = ""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file's text attached to a user message, kept so the conversation replays exactly."""

    name: str
    """The path as the user gave it."""
    text: str


@dataclass(slots=True)
class ChatMessage:
    """One message of a conversation; assistant messages also record how they ended."""

    role: Role
    content: str
    created_at: datetime = field(default_factory=utc_now)
    provider: str | None = None
    """The provider that answered (assistant messages)."""
    model: str | None = None
    """The model that answered (assistant messages)."""
    reasoning: str = ""
    refusal: str = ""
    status: MessageStatus = MessageStatus.DONE
    finish_reason: str | None = None
    """Normalised reason: stop, length, content_filter, tool_calls, tool_limit, refusal,
    cancelled, error."""
    raw_finish_reason: str | None = None
    """The provider's own word for it."""
    input_tokens: int | None = None
    """All the input of the reply's requests (summed over its rounds), the prompt
    cache's reads and writes included, whatever the API (see `tui.providers.events.Usage`)."""
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    """The part of `output_tokens` spent reasoning, where the provider reports it."""
    cached_input_tokens: int | None = None
    """The part of `input_tokens` read from the prompt cache."""
    cache_write_tokens: int | None = None
    """Input tokens written to the prompt cache (Anthropic)."""
    cost_usd: float | None = None
    """What the reply cost in US dollars; None when the price is unknown (never a guess)."""
    error: str | None = None
    """What went wrong, for people, when `finish_reason` is `error`."""
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    """The calls of the reply's last round (with their results once run)."""
    steps: list[ToolStep] = field(default_factory=list)
    """The rounds before the last one, for a reply that called tools; `content`,
    `reasoning` and `tool_calls` are its last round."""
    alternatives: list[ChatMessage] = field(default_factory=list)
    """Other versions of this reply (regenerated or from an earlier wording), in order."""
    version: int = 0
    """Which version this is, counting the alternatives (0 = the first)."""
    attachments: list[Attachment] = field(default_factory=list)
    """Files attached to a user message (`-f` / `@path`), sent after its text."""
    images: list[ImageRef] = field(default_factory=list)
    """Images attached to a user message, sent after its text and files."""
    dropped: int = 0
    """How many of the oldest messages were left out of the request for this reply
    (the user's choice when the context window was full)."""

    def step_version(self, step: int) -> None:
        """Show the next (`step=1`) or previous (`step=-1`) alternative in its place.

        The versions form a ring: the one shown moves into `alternatives` and the
        neighbour comes out, so nothing is ever dropped.
        """
        if not self.alternatives:
            return
        count = len(self.alternatives) + 1
        shown = _reply_fields(self)
        if step > 0:
            other = self.alternatives.pop(0)
            self.alternatives.append(_detached(self, shown))
        else:
            other = self.alternatives.pop()
            self.alternatives.insert(0, _detached(self, shown))
        for name, value in _reply_fields(other).items():
            setattr(self, name, value)
        self.version = (self.version + step) % count

    def retire(self) -> ChatMessage:
        """A copy of this reply's shown version, for keeping as an alternative."""
        return _detached(self, _reply_fields(self))


_REPLY_FIELDS = (
    "content",
    "created_at",
    "provider",
    "model",
    "reasoning",
    "refusal",
    "status",
    "finish_reason",
    "raw_finish_reason",
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "cost_usd",
    "error",
    "tool_calls",
    "steps",
    "dropped",
)


def _reply_fields(message: ChatMessage) -> dict[str, object]:
    return {name: getattr(message, name) for name in _REPLY_FIELDS}


def _detached(message: ChatMessage, values: dict[str, object]) -> ChatMessage:
    copy = ChatMessage(role=message.role, content="")
    for name, value in values.items():
        setattr(copy, name, value)
    return copy


def fork(conv: Conversation) -> Conversation:
    """A copy of `conv` with a new id, to take in another direction."""
    copy = deepcopy(conv)
    copy.id = new_conversation_id()
    copy.title = f"{conv.title} (fork)"
    copy.created_at = copy.updated_at = utc_now()
    copy.read_only = None  # a copy is saved in this version's format
    return copy


def new_conversation_id(now: datetime | None = None) -> str:
    """A sortable, unique id that is also a safe file name: `20261124-193520-a1b2c3`."""
    moment = now or utc_now()
    return f"{moment:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


@dataclass(slots=True)
class Conversation:
    """A titled list of messages with the provider and model it currently uses."""

    id: str
    title: str
    provider: str
    model: str
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    system_prompt: str | None = None
    messages: list[ChatMessage] = field(default_factory=list)
    reasoning_effort: str | None = None
    """`reasoning_effort` for OpenAI-style models that take it (None: not sent)."""
    thinking_budget: int | None = None
    """Anthropic thinking `budget_tokens` (None: thinking off)."""
    disabled_tools: list[str] = field(default_factory=list)
    """Tools turned off for this conversation, as `server/tool`."""
    read_only: str | None = None
    """Why this conversation must not be written back (e.g. a newer file format), if so.
    Not part of the file."""

    @classmethod
    def start(
        cls,
        provider: str,
        model: str,
        system_prompt: str | None = None,
        *,
        reasoning_effort: str | None = None,
        thinking_budget: int | None = None,
    ) -> Conversation:
        """A new, empty conversation."""
        now = utc_now()
        return cls(
            id=new_conversation_id(now),
            title="New conversation",
            provider=provider,
            model=model,
            created_at=now,
            updated_at=now,
            system_prompt=system_prompt,
            reasoning_effort=reasoning_effort,
            thinking_budget=thinking_budget,
        )

    def add(self, message: ChatMessage) -> ChatMessage:
        """Append a message; the first user message also names the conversation."""
        if message.role is Role.USER and not any(m.role is Role.USER for m in self.messages):
            self.title = title_from(message.content) or self.title
        self.messages.append(message)
        self.updated_at = utc_now()
        return message


def title_from(text: str) -> str:
    """A one-line title: the first non-empty line, cut to `TITLE_LENGTH` characters."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = " ".join(line.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"
