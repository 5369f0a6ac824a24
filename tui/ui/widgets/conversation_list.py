"""`ConversationList`: every conversation, newest first, grouped by day, filterable."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual.binding import BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from tui.domain import Conversation
from tui.store import NO_TIME, Header
from tui.ui.keymap import bindings

ENTRY_WIDTH = 29
"""The cells an entry line has: the sidebar's 34, less its border, the list's scrollbar and
its options' padding (a longer line wraps, and its end is lost)."""
SHOWN_MAX = 400
"""Entries drawn at once; older ones are reached through the filter."""
FIRST_PAINT_OPTIONS = 60
"""Options a first fill adds before the list is painted (more than a screenful); the
rest follow after that paint. Each new option costs text measuring."""


class Entry(NamedTuple):
    """What the list shows for one conversation (a tuple: 10,000 are built at start-up,
    and a tuple builds in a third of a frozen dataclass's time)."""

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


def entry_option(entry: Entry, age: str) -> Option:
    """One list entry: the title, and a dim line with provider/model and `age`."""
    prompt = Text(clip(entry.title or "(untitled)"))
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
        self._drawn: dict[str, tuple[Entry, str, Option]] = {}
        """Per shown id, the option drawn for (entry, age): reused while both hold, so
        a rebuild (at every reply's start and end) measures only what changed."""
        self._headings: dict[str, Option] = {}
        self._fill = 0
        """Counts fills; a fill's deferred rest is dropped once a newer fill began."""
        self._wanted: str | None = None
        """An id to highlight that is not in the list (yet)."""

    def set_headers(self, headers: list[Header]) -> None:
        """Fill the list from file headers (at start-up: its top is shown before the rest,
        whose options are added after the next frame)."""
        for header in headers:
            if header.id not in self.entries:
                self.entries[header.id] = Entry.from_header(header)
        self._render_entries(split=True)

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

    def _render_entries(self, *, split: bool = False) -> None:
        highlighted = self.highlighted_option.id if self.highlighted_option else None
        ordered = sorted(self.entries.values(), key=lambda e: e.updated or NO_TIME, reverse=True)
        if self.only is not None:
            ordered = [e for e in ordered if e.id in self.only]
        hidden = max(0, len(ordered) - SHOWN_MAX)
        options: list[Option] = []
        drawn: dict[str, tuple[Entry, str, Option]] = {}
        group = None
        now = datetime.now(UTC)
        for entry in ordered[:SHOWN_MAX]:
            heading = day_group(entry.updated, now)
            if heading != group:
                group = heading
                options.append(self._heading(heading))
            age = relative_time(entry.updated, now)
            known = self._drawn.get(entry.id)
            if known is None or known[0] != entry or known[1] != age:
                known = (entry, age, entry_option(entry, age))
            drawn[entry.id] = known
            options.append(known[2])
        self._drawn = drawn
        if hidden:
            more = Text(
                f"{hidden:,} older conversations: type in the filter to find them",
                style="dim italic",
            )
            options.append(Option(more, disabled=True))
        self._fill += 1
        self.clear_options()
        if split and len(options) > FIRST_PAINT_OPTIONS:
            self.add_options(options[:FIRST_PAINT_OPTIONS])
            fill = self._fill
            self.call_after_refresh(self._add_rest, fill, options[FIRST_PAINT_OPTIONS:])
        else:
            self.add_options(options)
        if highlighted is not None:
            self.select_id(highlighted)

    def _add_rest(self, fill: int, options: list[Option]) -> None:
        if fill == self._fill:
            self.add_options(options)
            if self._wanted is not None:
                self.select_id(self._wanted)

    def _heading(self, text: str) -> Option:
        if (option := self._headings.get(text)) is None:
            option = self._headings[text] = Option(Text(text, style="bold"), disabled=True)
        return option

    def select_id(self, conversation_id: str) -> None:
        """Highlight the entry for `conversation_id`, if shown (or once it is)."""
        self._wanted = conversation_id
        with contextlib.suppress(OptionDoesNotExist):
            self.highlighted = self.get_option_index(conversation_id)
            self._wanted = None
