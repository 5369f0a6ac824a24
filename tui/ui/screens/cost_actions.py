"""Costs on the main screen: the budget's line in the status bar (the saved replies are
read off the event loop at start and after each reply ends), refusing a message once a
budget is used up (the user may send it anyway), and the Stats screen."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from tui.domain import utc_now
from tui.prices import cost_words
from tui.spending import BudgetLine, BudgetState, SpendLedger, refusal_words
from tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.ui.screens.main import MainScreen


def period_words(line: BudgetLine) -> str:
    """`today` or `this month`."""
    return "today" if line.period == "daily" else "this month"


def unpriced_words(count: int) -> str:
    """The sentence about replies the budget cannot count ("" when there are none)."""
    if not count:
        return ""
    replies = "reply has" if count == 1 else "replies have"
    return f"{count} {replies} no known price; the budget cannot count them."


def of(line: BudgetLine) -> str:
    """`$0.42 of $1.00`."""
    return f"{cost_words(line.spent_usd)} of {cost_words(line.limit_usd)}"


def budget_words(state: BudgetState) -> tuple[str, str]:
    """The status line's budget text and css class (`-warning`, `-over` or none): the
    budget nearest its limit, e.g. `today $0.42 of $1.00` or `⚠ 85 % of today's budget`."""
    if not state.lines:
        return ("", "")
    line = max(state.lines, key=lambda line: line.share)
    when = period_words(line)
    if line.over:
        text, css = f"✗ {when}'s budget used up: {of(line)}", "-over"
    elif line.near:
        text, css = f"⚠ {int(line.share * 100)} % of {when}'s budget", "-warning"
    else:
        text, css = f"{when} {of(line)}", ""
    if line.unpriced_replies:
        text += f" · {line.unpriced_replies} unpriced"
    return (text, css)


class CostActions:
    """The main screen's budget and Stats commands."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.session = screen.session
        self.clock: Callable[[], datetime] = utc_now
        """Now, for the budget's day and month and the Stats screen (tests fix it)."""
        self._asked = 0
        """Reads of the spend asked for (each reply's end asks for one)."""
        self._read = 0
        """The newest of those whose result is shown."""
        self._warned: set[str] = set()

    @property
    def budgeted(self) -> bool:
        config = self.session.config
        return config.budget_daily_usd is not None or config.budget_monthly_usd is not None

    def refresh(self) -> None:
        """Read the spend again in a thread worker; the status line shows it when done."""
        if not self.budgeted:
            return
        self._asked += 1
        asked = self._asked

        def read() -> None:
            state = self.session.read_budget(self.clock())
            self.screen.app.call_from_thread(self.show, state, asked)

        self.screen.run_worker(read, thread=True, group="budget", exit_on_error=False)

    def show(self, state: BudgetState, asked: int) -> None:
        """Put a read's result in the status line (unless a newer one is shown), and say
        once per budget when it passes 80 %."""
        if asked < self._read:
            return
        self._read = asked
        self.screen.query_one(StatusBar).budget = budget_words(state)
        line = state.warning
        if line is None or line.over or line.period in self._warned:
            return
        self._warned.add(line.period)
        when = period_words(line)
        self.screen.notify(
            f"{int(line.share * 100)} % of the {line.period} budget is spent: "
            f"{of(line)} {when}. "
            f"{unpriced_words(line.unpriced_replies)}".rstrip(),
            title="Budget",
            severity="warning",
        )

    async def refuses(self, send_anyway: Callable[[], Awaitable[object]]) -> bool:
        """Whether a used-up budget stops the message about to be sent (before any
        request leaves); if so, a dialog offers to send it anyway (`send_anyway`)."""
        if not self.budgeted:
            return False
        state = self.session.budget
        if self._read < self._asked or not self._asked:
            # A reply ended since the last read (or none was read yet): count it first.
            self._asked += 1
            asked = self._asked
            state = await asyncio.to_thread(self.session.read_budget, self.clock())
            self.show(state, asked)
        line = state.refused
        if line is None:
            return False
        text = " ".join(
            part
            for part in (
                refusal_words(line),
                unpriced_words(line.unpriced_replies),
                "Your message was not sent and stays in the box.",
            )
            if part
        )

        async def chosen(choice: str | None) -> None:
            if choice == "send":
                await send_anyway()

        from tui.ui.screens.dialogs import ChoiceDialog
        dialog = ChoiceDialog("Budget used up", text, [("send", "Send anyway")])
        self.screen.app.push_screen(dialog, chosen)
        return True

    def stats(self) -> None:
        """The Stats screen: totals, by provider and model, and spend per day."""
        store = self.session.store
        from tui.ui.screens.stats_screen import StatsScreen
        self.screen.app.push_screen(StatsScreen(lambda: SpendLedger(store).replies(), self.clock()))
