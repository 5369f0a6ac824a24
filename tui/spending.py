"""What was spent: every saved reply's tokens and cost, summed by day, provider, model
or conversation, and the budget's view of it.

`SpendLedger` reads the saved conversations (the files stay the only truth); `summarise`
and `budget_state` are pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

from tui.config import Config
from tui.domain import Conversation, Role
from tui.store import ConversationStore, StoreError

By = Literal["day", "provider", "model", "conversation"]
WARN_AT = 0.8
"""The share of a budget from which the status line warns."""


@dataclass(frozen=True, slots=True)
class ReplySpend:
    """One saved reply's usage (versions included: each cost what it cost)."""

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
    """Every saved reply's spend, read from the conversation files."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store

    def replies(self) -> list[ReplySpend]:
        """All replies of all saved conversations (unreadable files are skipped)."""
        found: list[ReplySpend] = []
        for summary in self.store.list_summaries():
            try:
                conv = self.store.load(summary.id)
            except StoreError:
                continue
            found.extend(conversation_spend(conv))
        return found


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
        f"The {line.period} budget of ${line.limit_usd:.2f} is used up: ${line.spent_usd:.2f} "
        f"spent {when}."
    )
