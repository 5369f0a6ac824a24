"""A streaming reply's counters in words: the status line and a compare column's border."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.engine import Progress


def status_words(progress: Progress, model: str | None) -> str:
    """`~123 tokens (est.) · 45.6 tok/s · 2.7 s`, or what the reply is waiting for."""
    elapsed = f"{progress.elapsed:.1f} s"
    if progress.retry_in is not None:
        return f"{progress.retry_reason}: retrying in {progress.retry_in:.0f} s · {elapsed}"
    if progress.tools:
        asking = [name for name, phase in progress.tools if phase == "asking"]
        if asking:
            return f"waiting for your answer: may {asking[0]} run? · {elapsed}"
        return f"running {', '.join(name for name, _ in progress.tools)}… · {elapsed}"
    if progress.first_token is None:
        return f"waiting for {model or 'the model'}… {elapsed}"
    label = _tokens(progress, "{n} tokens", "~{n} tokens (est.)")
    if progress.stalled:
        return f"{label} · waiting for more… {progress.quiet:.0f} s since the last · {elapsed}"
    return f"{label} · {progress.rate or 0.0:.1f} tok/s · {elapsed}"


def column_words(progress: Progress, cost: str | None = None) -> str:
    """`~120 tokens · 45 tok/s · first 0.21 s · 2.7 s · s stops` for a compare column
    (and, once it has ended, what the reply cost: `cost`)."""
    parts = [_tokens(progress, "{n} tokens", "~{n} tokens")]
    if progress.rate is not None:
        parts.append(f"{progress.rate:.0f} tok/s")
    if progress.first_token is not None:
        parts.append(f"first {progress.first_token:.2f} s")
    parts.append(f"{progress.elapsed:.1f} s")
    if progress.finished and cost:
        parts.append(cost)
    if not progress.finished:
        parts.append("s stops")
    return " · ".join(parts)


def _tokens(progress: Progress, exact: str, estimated: str) -> str:
    return (exact if progress.exact else estimated).format(n=f"{progress.tokens:,}")
