"""The log file: timings and errors, with every key and auth header hidden."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.logs import LOG_NAME, redact_secrets, setup_logging


@pytest.fixture(autouse=True)
def restore_loggers() -> Iterator[None]:
    names = ("tui", "openai", "anthropic", "httpx", "httpx2")
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level) for n in names}
    yield
    for name, (handlers, level) in saved.items():
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if handler not in handlers:
                handler.close()
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = True


def test_keys_and_auth_headers_are_hidden() -> None:
    text = (
        "headers={'Authorization': 'Bearer sk-proj-abcdefghijkl', 'x-api-key': 'ant-123'} "
        "api_key=local-key-99 and a bare sk-abcdefghijklmnop"
    )
    hidden = redact_secrets(text, keys=("local-key-99",))
    for secret in ("sk-proj-abcdefghijkl", "ant-123", "local-key-99", "sk-abcdefghijklmnop"):
        assert secret not in hidden
    assert hidden.count("[hidden]") == 4


def test_log_file_is_written_in_the_log_dir_with_secrets_hidden(tmp_path: Path) -> None:
    path = setup_logging(
        keys=("my-secret-key",), environ={"TUI_CHAT_LOG_DIR": str(tmp_path / "logs")}
    )
    assert path == tmp_path / "logs" / LOG_NAME
    log = logging.getLogger("tui.test")
    log.info("request with key %s", "my-secret-key")
    log.debug("not at the default level")
    try:
        raise RuntimeError("Authorization: Bearer sk-leaked-0123456789")
    except RuntimeError:
        log.exception("failed")
    for handler in logging.getLogger("tui").handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "request with key [hidden]" in text
    assert "not at the default level" not in text
    assert "RuntimeError" in text
    assert "my-secret-key" not in text
    assert "sk-leaked" not in text
