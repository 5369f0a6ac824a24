"""`tui-chat ask --compare P:M --compare P:M …`: one prompt to several models at once.

Replies stream concurrently. In text mode each is printed in turn under its own heading
(the first live, the others as soon as those before them are done), then a table of
tokens, times and finish reasons goes to stderr. With `--json`, every event is a line
tagged with its pair, followed by one `result` line per pair.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any

from tui.cli.ask import EXIT_OK, EXIT_PROVIDER_ERROR, Printer, save_quietly
from tui.cli.ask_costs import price_reply
from tui.cli.json_result import result_object
from tui.compare import label, start_compare
from tui.config import Config, ProviderConfig
from tui.domain import Conversation
from tui.engine import ReplyRun
from tui.engine.image_fit import ImageLoader
from tui.engine.run import RunEvent
from tui.prices import cost_words
from tui.providers.events import FinishReason, ReasoningDelta, TextDelta
from tui.providers.retry import RetryPolicy
from tui.session.pool import AdapterPool
from tui.store import ConversationStore


class ComparePrinter:
    """Prints several replies as they arrive: one at a time in text mode, tagged lines
    in JSON mode."""

    def __init__(self, printer: Printer, runs: list[ReplyRun]) -> None:
        self.printer = printer
        self.runs = runs
        self.current = 0
        """The reply being printed live (text mode)."""
        self.waiting: list[list[RunEvent]] = [[] for _ in runs]
        self.done = [False] * len(runs)
        self._heading(0)

    def event(self, index: int, event: RunEvent) -> None:
        """One event of reply `index`."""
        if self.printer.as_json:
            if isinstance(event, TextDelta | ReasoningDelta):
                kind = "text" if isinstance(event, TextDelta) else "reasoning"
                self.printer.json({"type": kind, **self._tag(index), "text": event.text})
        elif index == self.current:
            self.printer.event(event)
        else:
            self.waiting[index].append(event)

    def finished(self, index: int) -> None:
        """Reply `index` is over: print what waited behind it."""
        self.done[index] = True
        if self.printer.as_json:
            progress = self.runs[index].progress()
            run = self.runs[index]
            result = {**result_object(run.state, cost_usd=run.message.cost_usd), **self._tag(index)}
            result["first_token_s"] = _rounded(progress.first_token)
            result["elapsed_s"] = _rounded(progress.elapsed)
            self.printer.json(result)
            return
        while self.current < len(self.runs) and self.done[self.current]:
            self.printer.close_text()
            self.current += 1
            if self.current < len(self.runs):
                self._heading(self.current)
                for waiting in self.waiting[self.current]:
                    self.printer.event(waiting)
                self.waiting[self.current].clear()

    def _heading(self, index: int) -> None:
        if not self.printer.as_json:
            gap = "\n" if index else ""
            self.printer.write_out(f"{gap}── {index + 1} · {label(self.runs[index].provider)} ──\n")

    def _tag(self, index: int) -> dict[str, Any]:
        provider = self.runs[index].provider
        return {"pair": index + 1, "provider": provider.name, "model": provider.model}


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def table(runs: list[ReplyRun]) -> str:
    """The summary table: one row per pair."""
    rows = [("#", "provider:model", "finish", "in", "out", "first token", "time", "tok/s", "cost")]
    for number, run in enumerate(runs, start=1):
        state, progress = run.state, run.progress()
        rows.append(
            (
                str(number),
                label(run.provider),
                str(state.finish_reason or FinishReason.CANCELLED),
                "?" if state.input_tokens is None else str(state.input_tokens),
                "?" if state.output_tokens is None else str(state.output_tokens),
                "-" if progress.first_token is None else f"{progress.first_token:.2f} s",
                f"{progress.elapsed:.1f} s",
                "-" if progress.rate is None else f"{progress.rate:.1f}",
                cost_words(run.message.cost_usd),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


async def run_compare(
    config: Config,
    providers: list[ProviderConfig],
    conv: Conversation,
    printer: Printer,
    store: ConversationStore | None,
    images: ImageLoader | None = None,
    policy: RetryPolicy | None = None,
) -> int:
    """Stream one reply per provider into `conv` at once; returns the exit status."""
    save = lambda: save_quietly(store, conv, printer)  # noqa: E731
    runs = start_compare(conv, providers, save=save, images=images)
    for run in runs:
        run.price = price_reply
    out = ComparePrinter(printer, runs)
    # Built first (each imports its SDK), so no reply's timing counts an import.
    pool = AdapterPool(config_path=str(config.config_path))
    adapters = [pool.get(p) for p in providers]
    for run in runs:
        run.restart_clock()

    async def one(index: int) -> None:
        # Closed here, before the pool: see `run_ask`.
        async with aclosing(runs[index].events(adapters[index], policy=policy)) as events:
            async for event in events:
                out.event(index, event)
        out.finished(index)

    try:
        await asyncio.gather(*(one(index) for index in range(len(runs))))
    finally:
        for run in runs:
            run.close()
        await pool.aclose()
    if not printer.as_json:
        for run in runs:
            if run.state.error is not None:
                printer.write_err(f"error ({label(run.provider)}): {run.state.error.message}\n")
        printer.write_err(table(runs) + "\n")
    return EXIT_PROVIDER_ERROR if any(run.failed for run in runs) else EXIT_OK
