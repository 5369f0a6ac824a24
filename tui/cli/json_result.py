"""The `--json` shapes of `tui-chat ask`: the closing `result` object of a reply."""

from __future__ import annotations

from typing import Any

from tui.engine.state import ReplyState


def result_object(state: ReplyState) -> dict[str, Any]:
    """The `result` line (same fields and meaning as the stream fixtures' expectations)."""
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
        "usage": {"input_tokens": state.input_tokens, "output_tokens": state.output_tokens},
        "reasoning_tokens": state.reasoning_tokens,
        "tool_calls": [
            {"id": call.id, "name": call.name, "arguments": call.arguments}
            for _, call in sorted(state.tool_calls.items())
        ],
        "error": error,
    }
