"""The reply engine every front end drives: request in, events out, message saved.

- `request`: what is sent for the next reply (`build_request`).
- `image_fit`: the history's images as sent, fitted to the provider (`fitted_images`).
- `stream`: one model request as reply events (key check, retries, redaction, logs).
- `state`: `ReplyState`, what a stream has said so far, folded from its events.
- `run`: `ReplyRun`, one reply from request to saved message (counters, save cadence,
  cancel, rounds, finishing exactly once).
"""

from tui.engine.image_fit import ImageLoader, fitted_images, scaled_notice
from tui.engine.request import build_request, missing_key_error
from tui.engine.run import SAVE_EVERY_S, Pricer, Progress, ReplyRun, new_reply, record_reply
from tui.engine.state import ReplyState
from tui.engine.stream import reply_events

__all__ = [
    "SAVE_EVERY_S",
    "ImageLoader",
    "Pricer",
    "Progress",
    "ReplyRun",
    "ReplyState",
    "build_request",
    "fitted_images",
    "missing_key_error",
    "new_reply",
    "record_reply",
    "reply_events",
    "scaled_notice",
]
