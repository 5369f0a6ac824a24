"""`ConversationList`: every conversation, newest first, grouped by day, filterable."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from tui.domain import Conversation
from tui.store import Header
from tui.ui.keymap import bindings

ENTRY_WIDTH = 30
SHOWN_MAX = 400
"""Entries drawn at once; older ones are reached through the filter."""


@dataclass(frozen=True, slots=True)
class Entry:
    """What the list shows for one conversation."""

    id: str
    title: str
    provider: str
    model: str
    updated: datetime | None

    @classmethod
    def of(cls, conv: Conversation) -> Entry:
        """The entry for an open conversation."""
        return cls(conv.id, conv.title, conv.provider, conv.model, conv.updated_at)

    @classmethod
    def from_header(cls, header: Header) -> Entry:
        """The entry for a file header (its mtime stands in for a missing `updated`)."""
        when = header.updated or datetime.fromtimestamp(header.mtime, UTC)
        return cls(header.id, header.title, header.provider, header.model, when)


def relative_time(moment: datetime | None, now: datetime | None = None) -> str:
    """`just now`, `5 min ago`, `3 h ago`, `2 d ago` or the date."""
    if moment is None:
        return ""
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 30 * 86400:
        return f"{int(seconds // 86400)} d ago"
    return f"{moment:%Y-%m-%d}"


def day_group(moment: datetime | None, now: datetime | None = None) -> str:
    """`Today`, `Yesterday`, `This week`, `This month` or `Older`."""
    if moment is None:
        return "Older"
    today = (now or datetime.now(UTC)).astimezone().date()
    day = moment.astimezone().date()
    if day >= today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    if day > today - timedelta(days=7):
        return "This week"
    if day > today - timedelta(days=31):
        return "This month"
    return "Older"


def clip(text: str, width: int = ENTRY_WIDTH) -> str:
    """`text` on one line, cut with an ellipsis to fit `width` cells."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def entry_option(entry: Entry) -> Option:
    """One list entry: the title, and a dim line with provider/model and age."""
    prompt = Text(clip(entry.title or "(untitled)"))
    age = relative_time(entry.updated)
    who = f"{entry.provider}/{entry.model}" if entry.provider and entry.model else entry.provider
    detail = clip(who, ENTRY_WIDTH - len(age) - 3)
    if age:
        detail += f" · {age}"
    prompt.append("\n" + detail, style="dim")
    return Option(prompt, id=entry.id)


class ConversationList(OptionList):
    """The sidebar. Selecting an entry posts `OptionList.OptionSelected` with its id."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("list")

    DEFAULT_CSS = """
    ConversationList { width: 34; height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: dict[str, Entry] = {}
        self.only: set[str] | None = None
        """When set, only these ids are shown (a filter is active)."""

    def set_headers(self, headers: list[Header]) -> None:
        """Fill the list from file headers."""
        for header in headers:
            self.entries.setdefault(header.id, Entry.from_header(header))
        self._render_entries()

    def update_headers(self, headers: list[Header], gone: set[str]) -> None:
        """Files that changed or appeared since the list was filled, and ones removed."""
        for header in headers:
            self.entries[header.id] = Entry.from_header(header)
        for conversation_id in gone:
            self.entries.pop(conversation_id, None)
        self._render_entries()

    def upsert(self, conv: Conversation) -> None:
        """Add or update `conv` (it moves to the top) and highlight it."""
        self.entries[conv.id] = Entry.of(conv)
        if self.only is not None:
            self.only.add(conv.id)
        self._render_entries()
        self.select_id(conv.id)

    def drop(self, conversation_id: str) -> None:
        """Remove a conversation from the list."""
        self.entries.pop(conversation_id, None)
        self._render_entries()

    def show_only(self, ids: set[str] | None) -> None:
        """Show just `ids` (None shows everything)."""
        self.only = ids
        self._render_entries()

    def _render_entries(self) -> None:
        highlighted = self.highlighted_option.id if self.highlighted_option else None
        ordered = sorted(
            self.entries.values(),
            key=lambda e: e.updated or datetime.min.replace(tzinfo=UTC),
            reverse=True,
        )
        if self.only is not None:
            ordered = [e for e in ordered if e.id in self.only]
        hidden = max(0, len(ordered) - SHOWN_MAX)
        options: list[Option | None] = []
        group = None
        for entry in ordered[:SHOWN_MAX]:
            heading = day_group(entry.updated)
            if heading != group:
                group = heading
                options.append(Option(Text(heading, style="bold"), disabled=True))
            options.append(entry_option(entry))
        if hidden:
            more = Text(
                f"{hidden:,} older conversations: type in the filter to find them",
                style="dim italic",
            )
            options.append(Option(more, disabled=True))
        self.clear_options()
        self.add_options(options)
        if highlighted is not None:
            self.select_id(highlighted)

    def select_id(self, conversation_id: str) -> None:
        """Highlight the entry for `conversation_id`, if shown."""
        with contextlib.suppress(OptionDoesNotExist):
            self.highlighted = self.get_option_index(conversation_id)
