"""`ConversationList`: every conversation, newest first, with provider and age."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from tui.domain import Conversation
from tui.store import Header


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


ENTRY_WIDTH = 30


def clip(text: str, width: int = ENTRY_WIDTH) -> str:
    """`text` on one line, cut with an ellipsis to fit `width` cells."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def entry(
    conversation_id: str, title: str, provider: str, model: str, when: datetime | None
) -> Option:
    """One list entry: the title, and a dim line with provider/model and age."""
    prompt = Text(clip(title or "(untitled)"))
    age = relative_time(when)
    who = f"{provider}/{model}" if provider and model else provider or model
    detail = clip(who, ENTRY_WIDTH - len(age) - 3)
    if age:
        detail += f" · {age}"
    prompt.append("\n" + detail, style="dim")
    return Option(prompt, id=conversation_id)


class ConversationList(OptionList):
    """The sidebar of conversations. Selecting one posts `OptionList.OptionSelected`."""

    DEFAULT_CSS = """
    ConversationList { width: 34; height: 1fr; }
    """

    def set_headers(self, headers: list[Header]) -> None:
        """Fill the list from file headers (already sorted newest first)."""
        highlighted = self.highlighted_option.id if self.highlighted_option else None
        self.clear_options()
        self.add_options(entry(h.id, h.title, h.provider, h.model, h.updated) for h in headers)
        if highlighted is not None:
            self.select_id(highlighted)

    def upsert(self, conv: Conversation) -> None:
        """Put `conv` at the top with its current title, and highlight it."""
        option = entry(conv.id, conv.title, conv.provider, conv.model, conv.updated_at)
        # OptionList can only append, so rebuild the order with this entry first.
        options = [option, *(o for o in self.options if o.id != conv.id)]
        self.clear_options()
        self.add_options(options)
        self.select_id(conv.id)

    def select_id(self, conversation_id: str) -> None:
        """Highlight the entry for `conversation_id`, if present."""
        with contextlib.suppress(OptionDoesNotExist):
            self.highlighted = self.get_option_index(conversation_id)
