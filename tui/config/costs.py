"""Reading what replies cost from the config file: a provider's `prices` table and the
top-level `[budget]` table.

`prices = { input = 2.0, output = 8.0, cached_input = 0.5, cache_write = 2.5 }` (dollars
per million tokens; `input` and `output` required) may also be written as its own
`[providers.NAME.prices]` table. `[budget]` holds `daily_usd` and/or `monthly_usd`. A
mistake raises `ConfigError` naming the file and the line.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from tui.config.errors import ConfigError, line_of

PRICE_KEYS = ("input", "output", "cached_input", "cache_write")
"""The keys of a `prices` table, in dollars per million tokens."""
REQUIRED_PRICE_KEYS = ("input", "output")
BUDGET_KEYS = ("daily_usd", "monthly_usd")


def _number(value: object) -> float | None:
    """`value` as a finite float, or None when it is not a number (booleans are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _line(text: str, section: str, table: str, key: str | None) -> int | None:
    """The line of `key` in the `[section.table]` table or `table = {...}` in `[section]`,
    else of the table itself, else of the section's header."""
    own = f"{section}.{table}"
    found = line_of(text, own, key) if key else None
    return (
        found
        or line_of(text, section, table)
        or line_of(text, None, own)
        or line_of(text, None, section)
    )


def read_prices(path: Path, text: str, section: str, table: Any) -> dict[str, float]:
    """The `prices` table of `[section]` (e.g. `providers.work`), checked.

    Raises:
        ConfigError: not a table, an unknown key, a missing `input` or `output`, or a
            price that is not a non-negative number.
    """
    if not isinstance(table, dict):
        problem = (
            f"prices in [{section}] must be a table, e.g. "
            "prices = { input = 2.0, output = 8.0 } (dollars per million tokens)."
        )
        raise ConfigError(path, problem, _line(text, section, "prices", None))
    prices: dict[str, float] = {}
    for key, value in table.items():
        line = _line(text, section, "prices", key)
        if key not in PRICE_KEYS:
            known = ", ".join(PRICE_KEYS)
            problem = f"unknown price '{key}' in the prices of [{section}] (known: {known})."
            raise ConfigError(path, problem, line)
        number = _number(value)
        if number is None or number < 0:
            problem = (
                f"'{key}' in the prices of [{section}] must be a number of dollars per "
                "million tokens, 0 or more."
            )
            raise ConfigError(path, problem, line)
        prices[key] = number
    missing = [key for key in REQUIRED_PRICE_KEYS if key not in prices]
    if missing:
        problem = (
            f"the prices of [{section}] need {' and '.join(missing)} "
            "(dollars per million tokens), e.g. prices = { input = 2.0, output = 8.0 }."
        )
        raise ConfigError(path, problem, _line(text, section, "prices", None))
    return prices


def read_budget(path: Path, text: str, raw: dict[str, Any]) -> tuple[float | None, float | None]:
    """`[budget]`'s `daily_usd` and `monthly_usd` (None where not set).

    Raises:
        ConfigError: not a table, an unknown key, or an amount that is not a positive number.
    """
    table = raw.get("budget", {})
    if not isinstance(table, dict):
        problem = "'budget' must be a table: [budget] with daily_usd and/or monthly_usd."
        raise ConfigError(path, problem, line_of(text, None, "budget"))
    amounts: dict[str, float] = {}
    for key, value in table.items():
        line = line_of(text, "budget", key) or line_of(text, None, "budget")
        if key not in BUDGET_KEYS:
            known = ", ".join(BUDGET_KEYS)
            raise ConfigError(path, f"unknown setting '{key}' in [budget] (known: {known}).", line)
        number = _number(value)
        if number is None or number <= 0:
            problem = f"'{key}' in [budget] must be a positive number of US dollars."
            raise ConfigError(path, problem, line)
        amounts[key] = number
    return amounts.get("daily_usd"), amounts.get("monthly_usd")
