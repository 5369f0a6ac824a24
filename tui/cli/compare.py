"""`tui-chat ask --compare P:M --compare P:M …`: one prompt to several models at once.

Replies stream concurrently. In text mode each is printed in turn under its own heading
(the first live, the others as soon as those before them are done), then a table of
tokens, times and finish reasons goes to stderr. With `--json`, every event is a line
tagged with its pair, followed by one `result` line per pair.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tui.cli.ask import EXIT_OK, EXIT_PROVIDER_ERROR, SAVE_EVERY_S, Printer, save_quietly
from tui.compare import Contender, label, start_compare
from tui.config import Config, ProviderConfig
from tui.domain import Conversation
from tui.engine import record_reply, reply_events
from tui.providers.events import FinishReason, ReasoningDelta, ReplyEvent, TextDelta
from tui.providers.pool import AdapterPool
from tui.providers.retry import RetryPolicy
from tui.store import ConversationStore


class ComparePrinter:
    """Prints several replies as they arrive: one at a time in text mode, tagged lines
    in JSON mode."""

    def __init__(self, printer: Printer, contenders: list[Contender]) -> None:
        self.printer = printer
        self.contenders = contenders
        self.current = 0
        """The reply being printed live (text mode)."""
        self.waiting: list[list[ReplyEvent]] = [[] for _ in contenders]
        self.done = [False] * len(contenders)
        self._heading(0)

    def event(self, index: int, event: ReplyEvent) -> None:
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
            result = {**self.contenders[index].state.as_result(), **self._tag(index)}
            contender = self.contenders[index]
            result["first_token_s"] = _rounded(contender.ttft)
            result["elapsed_s"] = _rounded(contender.elapsed)
            self.printer.json(result)
            return
        while self.current < len(self.contenders) and self.done[self.current]:
            self.printer.close_text()
            self.current += 1
            if self.current < len(self.contenders):
                self._heading(self.current)
                for waiting in self.waiting[self.current]:
                    self.printer.event(waiting)
                self.waiting[self.current].clear()

    def _heading(self, index: int) -> None:
        if not self.printer.as_json:
            gap = "\n" if index else ""
            self.printer.write_out(
                f"{gap}── {index + 1} · {label(self.contenders[index].provider)} ──\n"
            )

    def _tag(self, index: int) -> dict[str, Any]:
        provider = self.contenders[index].provider
        return {"pair": index + 1, "provider": provider.name, "model": provider.model}


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def table(contenders: list[Contender]) -> str:
    """The summary table: one row per pair."""
    rows = [("#", "provider:model", "finish", "in", "out", "first token", "time", "tok/s")]
    for number, c in enumerate(contenders, start=1):
        state = c.state
        rate = c.rate()
        rows.append(
            (
                str(number),
                label(c.provider),
                str(state.finish_reason or FinishReason.CANCELLED),
                "?" if state.input_tokens is None else str(state.input_tokens),
                "?" if state.output_tokens is None else str(state.output_tokens),
                "-" if c.ttft is None else f"{c.ttft:.2f} s",
                f"{c.elapsed:.1f} s",
                "-" if rate is None else f"{rate:.1f}",
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
    policy: RetryPolicy | None = None,
) -> int:
    """Stream one reply per provider into `conv` at once; returns the exit status."""
    contenders = start_compare(conv, providers)
    out = ComparePrinter(printer, contenders)
    # Built first (each imports its SDK), so no reply's timing counts an import.
    pool = AdapterPool(config_path=str(config.config_path))
    adapters = [pool.get(p) for p in providers]
    for contender in contenders:
        contender.started = time.monotonic()
    last_save = time.monotonic()

    def save_now() -> None:
        for contender in contenders:
            record_reply(contender.message, contender.state)
        if store is not None:
            save_quietly(store, conv, printer)

    async def one(index: int) -> None:
        nonlocal last_save
        contender = contenders[index]
        try:
            events = reply_events(
                config,
                contender.provider,
                contender.request,
                policy=policy,
                adapter=adapters[index],
            )
            async for event in events:
                contender.apply(event)
                out.event(index, event)
                if time.monotonic() - last_save >= SAVE_EVERY_S:
                    save_now()
                    last_save = time.monotonic()
        finally:
            contender.end()
        out.finished(index)

    try:
        await asyncio.gather(*(one(index) for index in range(len(contenders))))
    finally:
        for contender in contenders:
            if contender.state.finish_reason is None:
                contender.state.finish_reason = FinishReason.CANCELLED
        save_now()
        await pool.aclose()
    if not printer.as_json:
        for contender in contenders:
            if contender.state.error is not None:
                printer.write_err(
                    f"error ({label(contender.provider)}): {contender.state.error.message}\n"
                )
        printer.write_err(table(contenders) + "\n")
    failed = any(c.state.finish_reason is FinishReason.ERROR for c in contenders)
    return EXIT_PROVIDER_ERROR if failed else EXIT_OK
