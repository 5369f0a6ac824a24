"""The `--json` shapes of `tui-chat ask`: the closing `result` object of a reply."""

from __future__ import annotations

from typing import Any

from tui.engine.state import ReplyState


def result_object(state: ReplyState, *, cost_usd: float | None = None) -> dict[str, Any]:
    """The `result` line (same fields and meaning as the stream fixtures' expectations).

    `usage.input_tokens` is all the input, cached included (see `tui.providers.events.
    Usage`). `cost_usd` is the reply's price in dollars: the one given (a priced reply),
    else what the provider reported for this round, else null (unknown, never 0).
    """
    error = None
    if state.error is not None:
        error = {
            "type": state.error.provider_type or str(state.error.kind),
            "message": state.error.provider_message,
            "http_status": state.error.status,
        }
    return {
        "type": "result",
        "text": state.text,
        "reasoning": state.reasoning,
        "refusal": state.refusal,
        "finish_reason": str(state.finish_reason) if state.finish_reason else None,
        "raw_finish_reason": state.raw_finish_reason,
        "usage": {
            "input_tokens": state.input_tokens,
            "output_tokens": state.output_tokens,
            "cached_input_tokens": state.cached_input_tokens,
            "cache_write_tokens": state.cache_write_tokens,
        },
        "reasoning_tokens": state.reasoning_tokens,
        "cost_usd": cost_usd if cost_usd is not None else state.cost_usd,
        "tool_calls": [
            {"id": call.id, "name": call.name, "arguments": call.arguments}
            for _, call in sorted(state.tool_calls.items())
        ],
        "error": error,
    }
