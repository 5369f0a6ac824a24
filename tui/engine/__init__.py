"""The reply engine every front end drives: request in, events out, message saved.

- `request`: what is sent for the next reply (`build_request`).
- `stream`: one model request as reply events (key check, retries, redaction, logs).
- `state`: `ReplyState`, what a stream has said so far, folded from its events.
- `run`: `ReplyRun`, one reply from request to saved message (counters, save cadence,
  cancel, rounds, finishing exactly once).
"""

from tui.engine.request import build_request, missing_key_error
from tui.engine.run import SAVE_EVERY_S, Progress, ReplyRun, new_reply, record_reply
from tui.engine.state import ReplyState
from tui.engine.stream import reply_events

__all__ = [
    "SAVE_EVERY_S",
    "Progress",
    "ReplyRun",
    "ReplyState",
    "build_request",
    "missing_key_error",
    "new_reply",
    "record_reply",
    "reply_events",
]
