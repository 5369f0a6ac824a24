"""The log file: request timings, retries and errors, never prompt text unless `--debug`.

`<user log dir>/tui-chat.log` (or `$TUI_CHAT_LOG_DIR`), rotated at 1 MB with three old
files kept. Every record passes through a filter that blanks out anything shaped like
an API key or an `Authorization` / `x-api-key` header value, whoever logged it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

LOG_NAME = "tui-chat.log"
MAX_BYTES = 1_000_000
BACKUPS = 3

_SECRET_PATTERNS = (
    # Header values: `Authorization: Bearer xyz`, `'x-api-key': 'xyz'`, `api_key=xyz`.
    re.compile(
        r"""(?i)((?:authorization|x-api-key|api[_-]key)["']?\s*[:=]\s*["']?(?:bearer\s+)?)"""
        r"""[^\s"',}]+"""
    ),
    # Key-shaped tokens wherever they appear (OpenAI, Anthropic, OpenRouter style).
    re.compile(r"()\bsk-[A-Za-z0-9_\-]{8,}"),
)
HIDDEN = "[hidden]"


def redact_secrets(text: str, keys: tuple[str, ...] = ()) -> str:
    """`text` with API keys and auth header values replaced by `[hidden]`."""
    for key in keys:
        if key:
            text = text.replace(key, HIDDEN)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + HIDDEN, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message with secrets hidden."""

    def __init__(self, keys: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.keys = keys

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_secrets(record.exc_text, self.keys)
        record.msg = redact_secrets(message, self.keys)
        record.args = None
        return True


def log_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the log file goes: `$TUI_CHAT_LOG_DIR`, else the user log dir."""
    env = os.environ if environ is None else environ
    override = env.get("TUI_CHAT_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir("tui-chat"))


def setup_logging(
    *, debug: bool = False, keys: tuple[str, ...] = (), environ: Mapping[str, str] | None = None
) -> Path | None:
    """Send the `tui` loggers (and the SDKs' warnings) to the rotated log file.

    Returns the file's path, or None when it cannot be created (logging is then off:
    a read-only home must not stop the app).
    """
    folder = log_dir(environ)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            folder / LOG_NAME, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(keys))
    ours = logging.getLogger("tui")
    ours.handlers[:] = [handler]
    ours.setLevel(logging.DEBUG if debug else logging.INFO)
    ours.propagate = False
    for sdk in ("openai", "anthropic", "httpx", "httpx2"):
        library = logging.getLogger(sdk)
        library.handlers[:] = [handler]
        library.setLevel(logging.DEBUG if debug else logging.WARNING)
        library.propagate = False
    return folder / LOG_NAME


def debug_enabled() -> bool:
    """Whether `--debug` is on: prompt text may then be logged."""
    return logging.getLogger("tui").isEnabledFor(logging.DEBUG)
