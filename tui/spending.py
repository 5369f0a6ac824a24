"""What was spent: every saved reply's tokens and cost, summed by day, provider, model
or conversation, and the budget's view of it.

`SpendLedger` reads the saved conversations (the files stay the only truth), keeping each
file's replies in `<data dir>/cache/spend.json` with the file's mtime, so that a read
parses only the files that changed since the last one (delete the cache and it is
rebuilt). The app keeps it current as it saves (`note_saved`). `summarise` and
`budget_state` are pure.
"""

from __future__ import annotations

import contextlib
import gc
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, NamedTuple

from tui.config import Config
from tui.domain import Conversation, Role
from tui.prices import cost_words
from tui.store import ConversationStore, Snapshot, StoreError
from tui.store.atomic import atomic_write_bytes
from tui.store.schema import SchemaError, conversation_from_dict

By = Literal["day", "provider", "model", "conversation"]
WARN_AT = 0.8
"""The share of a budget from which the status line warns."""
CACHE_VERSION = 1
"""Of `cache/spend.json`; a cache of another version is rebuilt from the files."""


class ReplySpend(NamedTuple):
    """One saved reply's usage (versions included: each cost what it cost). A named
    tuple: immutable, and quick to make (the cache holds tens of thousands)."""

    conversation_id: str
    title: str
    when: datetime
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    cost_usd: float | None
    """None: the price is unknown (the budget cannot see it)."""


@dataclass(slots=True)
class SpendRow:
    """The replies of one day, provider, model or conversation, summed."""

    key: str
    replies: int = 0
    unpriced_replies: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, reply: ReplySpend) -> None:
        self.replies += 1
        self.input_tokens += reply.input_tokens
        self.output_tokens += reply.output_tokens
        self.cached_input_tokens += reply.cached_input_tokens
        if reply.cost_usd is None:
            self.unpriced_replies += 1
        else:
            self.cost_usd += reply.cost_usd


def conversation_spend(conv: Conversation) -> list[ReplySpend]:
    """Every reply of `conv` (and every version of each) with its usage."""
    found = []
    for message in conv.messages:
        if message.role is not Role.ASSISTANT:
            continue
        for version in (message, *message.alternatives):
            if version.input_tokens is None and version.output_tokens is None:
                continue  # never got as far as a request
            found.append(
                ReplySpend(
                    conv.id,
                    conv.title,
                    version.created_at.astimezone(UTC),
                    version.provider or conv.provider,
                    version.model or conv.model,
                    version.input_tokens or 0,
                    version.output_tokens or 0,
                    version.cached_input_tokens or 0,
                    version.cost_usd,
                )
            )
    return found


class SpendLedger:
    """Every saved reply's spend, read from the conversation files through a cache of
    each file's replies by mtime. Safe from any thread."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store
        self.path = store.data_dir / "cache" / "spend.json"
        self._entries: dict[str, _Entry] = {}
        self._loaded = False
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()

    def replies(self, *, save: bool = True) -> list[ReplySpend]:
        """All replies of all saved conversations (unreadable files are skipped): the
        cache, with the files that are new or changed since read again (and the cache
        rewritten then, unless `save` is false)."""
        with self._refresh_lock:
            self._refresh(save=save)
        with self._lock:
            return [reply for entry in self._entries.values() for reply in entry.replies]

    def note_saved(self, snapshot: Snapshot) -> None:
        """Take in a conversation just written (from the saver's thread). Until the
        cache is loaded there is nothing to update: the file's mtime tells later."""
        if not self._loaded:
            return
        try:
            mtime = snapshot.path.stat().st_mtime
            conv = conversation_from_dict(snapshot.data)
        except (OSError, SchemaError):
            return
        with self._lock:
            self._entries[snapshot.path.stem] = _Entry(mtime, conversation_spend(conv))

    def _refresh(self, *, save: bool) -> None:
        if not self._loaded:  # afterwards, saves keep the entries up to date
            cached = self._load()
            with self._lock:
                self._entries, self._loaded = cached, True
        with self._lock:
            entries = dict(self._entries)
        present = self.store.mtimes()
        changed = bool(entries.keys() - present.keys())
        for conversation_id, mtime in present.items():
            known = entries.get(conversation_id)
            if known is not None and known.mtime == mtime:
                continue
            changed = True
            try:
                entry: _Entry | None = _Entry(
                    mtime, conversation_spend(self.store.load(conversation_id))
                )
            except StoreError:
                entry = None
            with self._lock:
                if entry is None:
                    self._entries.pop(conversation_id, None)
                else:
                    self._entries[conversation_id] = entry
        with self._lock:  # only those gone before the scan: a save since may be new
            for gone in entries.keys() - present.keys():
                self._entries.pop(gone, None)
        if changed and save:
            self._save()

    def _load(self) -> dict[str, _Entry]:
        with _collector_paused():
            return self._read_cache()

    def _read_cache(self) -> dict[str, _Entry]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw.get("version") != CACHE_VERSION:
                return {}
            return {
                key: _Entry(float(mtime), [_reply_from(key, title, row) for row in rows])
                for key, (mtime, title, rows) in raw["conversations"].items()
            }
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}  # rebuilt from the files

    def _save(self) -> None:
        with self._lock:
            rows = {key: _entry_row(entry) for key, entry in self._entries.items()}
        data = json.dumps({"version": CACHE_VERSION, "conversations": rows}, ensure_ascii=False)
        with contextlib.suppress(OSError):  # only a cache: the next read parses the files
            atomic_write_bytes(self.path, data.encode("utf-8"))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while the cache is read: it would walk the
    tens of thousands of new tuples, none of them garbage, again and again (a third of
    the time of a read of 10,000 conversations)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@dataclass(slots=True)
class _Entry:
    mtime: float
    replies: list[ReplySpend]


def _entry_row(entry: _Entry) -> list[Any]:
    """An entry as JSON: [mtime, title, [[when, provider, model, in, out, cached, cost]…]]."""
    title = entry.replies[0].title if entry.replies else ""
    return [
        entry.mtime,
        title,
        [
            [
                r.when.isoformat(),
                r.provider,
                r.model,
                r.input_tokens,
                r.output_tokens,
                r.cached_input_tokens,
                r.cost_usd,
            ]
            for r in entry.replies
        ],
    ]


def _reply_from(conversation_id: str, title: str, row: list[Any]) -> ReplySpend:
    """A reply from its cache row (written by `_entry_row`: its types are trusted)."""
    when, provider, model, input_tokens, output_tokens, cached, cost = row
    return ReplySpend(
        conversation_id,
        title,
        datetime.fromisoformat(when),
        provider,
        model,
        input_tokens,
        output_tokens,
        cached,
        cost,
    )


def summarise(
    replies: Iterable[ReplySpend], *, since: datetime | None = None, by: By = "day"
) -> tuple[SpendRow, list[SpendRow]]:
    """(the total, one row per `by` key) of the replies since `since` (all if None);
    rows newest day first for `day`, else by cost, highest first."""
    total = SpendRow("total")
    rows: dict[str, SpendRow] = {}
    for reply in replies:
        if since is not None and reply.when < since:
            continue
        total.add(reply)
        key = _key(reply, by)
        rows.setdefault(key, SpendRow(key)).add(reply)
    ordered = sorted(rows.values(), key=lambda r: r.key, reverse=True)
    if by != "day":
        ordered.sort(key=lambda r: (r.cost_usd, r.replies), reverse=True)
    return total, ordered


def _key(reply: ReplySpend, by: By) -> str:
    if by == "day":
        return reply.when.date().isoformat()
    if by == "provider":
        return reply.provider
    if by == "model":
        return f"{reply.provider}/{reply.model}"
    return f"{reply.conversation_id} {reply.title}"


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """One budget (daily or monthly) against what was spent in its period."""

    period: Literal["daily", "monthly"]
    limit_usd: float
    spent_usd: float
    unpriced_replies: int
    """Replies in the period whose price is unknown: the budget cannot see them."""

    @property
    def share(self) -> float:
        return self.spent_usd / self.limit_usd if self.limit_usd else 0.0

    @property
    def over(self) -> bool:
        return self.spent_usd >= self.limit_usd

    @property
    def near(self) -> bool:
        return self.share >= WARN_AT


@dataclass(frozen=True, slots=True)
class BudgetState:
    """The configured budgets as of now."""

    lines: Sequence[BudgetLine] = field(default_factory=tuple)

    @property
    def refused(self) -> BudgetLine | None:
        """The first budget that is used up (sending is refused), if any."""
        return next((line for line in self.lines if line.over), None)

    @property
    def warning(self) -> BudgetLine | None:
        """The first budget at 80 % or more, if any."""
        return next((line for line in self.lines if line.near), None)


def budget_state(config: Config, replies: Iterable[ReplySpend], now: datetime) -> BudgetState:
    """Today's (UTC) and this month's spend against `[budget]`."""
    today: date = now.astimezone(UTC).date()
    day_spent = month_spent = 0.0
    day_unknown = month_unknown = 0
    for reply in replies:
        when = reply.when.date()
        in_month = (when.year, when.month) == (today.year, today.month)
        if not in_month:
            continue
        if reply.cost_usd is None:
            month_unknown += 1
            day_unknown += when == today
            continue
        month_spent += reply.cost_usd
        if when == today:
            day_spent += reply.cost_usd
    lines = []
    if config.budget_daily_usd is not None:
        lines.append(BudgetLine("daily", config.budget_daily_usd, day_spent, day_unknown))
    if config.budget_monthly_usd is not None:
        lines.append(BudgetLine("monthly", config.budget_monthly_usd, month_spent, month_unknown))
    return BudgetState(tuple(lines))


def refusal_words(line: BudgetLine) -> str:
    """One sentence: which budget stops this message, and how much was spent."""
    when = "today" if line.period == "daily" else "this month"
    return (
        f"The {line.period} budget of {cost_words(line.limit_usd)} is used up: "
        f"{cost_words(line.spent_usd)} spent {when}."
    )

