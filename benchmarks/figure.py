"""A row of the benchmark table: a figure, its target, and the values measured."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Figure:
    """One row of the table."""

    name: str
    target: str
    check: Callable[[float], bool]
    unit: str = "s"
    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    def row(self) -> str:
        value = self.median
        shown = "n/a" if value is None else f"{value:.3g} {self.unit}".strip()
        verdict = "" if value is None else ("ok" if self.check(value) else "MISS")
        return f"| {self.name} | {shown} | {self.target} | {verdict} |"
