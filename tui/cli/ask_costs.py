"""Costs in `tui-chat ask`: pricing the reply, and the `[budget]` check before sending."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tui.cli.options import fail
from tui.config import Config, ProviderConfig
from tui.domain import ChatMessage
from tui.store import ConversationStore

if TYPE_CHECKING:
    from tui.cli.ask import Printer


def check_budget(config: Config, printer: Printer, *, over_budget: bool) -> None:
    """Refuse (exit 2) when a `[budget]` is used up, unless `over_budget`; warn from 80 %
    and when replies of unknown price escape the count."""
    if config.budget_daily_usd is None and config.budget_monthly_usd is None:
        return
    from tui.spending import SpendLedger, budget_state, refusal_words

    replies = SpendLedger(ConversationStore(config.data_dir)).replies()
    state = budget_state(config, replies, datetime.now(UTC))
    unseen = max((line.unpriced_replies for line in state.lines), default=0)
    if unseen:
        printer.warn(f"{unseen} replies have no known price; the budget cannot count them.")
    if (used_up := state.refused) is not None:
        if not over_budget:
            fail(f"tui-chat ask: {refusal_words(used_up)} Pass --over-budget to send anyway.")
        printer.warn(refusal_words(used_up) + " Sent anyway (--over-budget).")
    elif (near := state.warning) is not None:
        printer.warn(
            f"{near.share:.0%} of the {near.period} budget is spent "
            f"(${near.spent_usd:.2f} of ${near.limit_usd:.2f})."
        )


def price_reply(provider: ProviderConfig, message: ChatMessage) -> float | None:
    """A finished reply's cost (see `tui.prices.reply_cost`)."""
    from tui.prices import reply_cost

    return reply_cost(message, provider)
