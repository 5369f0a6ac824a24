"""Architecture rules, mappers and small helpers."""

from __future__ import annotations

import subprocess
import sys

from tui.inert import make_inert
from tui.providers.anthropic_msgs import request_messages
from tui.providers.base import RequestMessage
from tui.providers.errors import Endpoint, http_error, parse_retry_after
from tui.providers.events import ErrorKind
from tui.providers.offline import count_tokens, summarise


def imported_modules(*modules: str) -> set[str]:
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules)
    code += "print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_layers_never_import_the_ui() -> None:
    loaded = imported_modules(
        "tui.config",
        "tui.domain",
        "tui.engine",
        "tui.store",
        "tui.session.registry",
        "tui.providers.openai_chat",
        "tui.providers.anthropic_msgs",
        "tui.cli.ask",
    )
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "rich")}


def test_ask_imports_only_the_sdk_it_needs() -> None:
    loaded = imported_modules("tui.cli.ask", "tui.providers.openai_chat")
    assert "openai" in loaded
    assert "anthropic" not in loaded


def test_anthropic_history_alternates_and_starts_with_user() -> None:
    turns = (
        RequestMessage("assistant", "hello"),
        RequestMessage("user", "a"),
        RequestMessage("user", "b"),
        RequestMessage("assistant", "c"),
    )
    assert request_messages(turns) == [
        {"role": "user", "content": "(continued)"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "a\n\nb"},
        {"role": "assistant", "content": "c"},
    ]


def test_control_sequences_become_visible_and_inert() -> None:
    shown = make_inert("a\x1b[2Jb\x07c\rd\x9b31m\x00 ok\n\tz")
    assert shown == "a\u241b[2Jb\u2407c\u240dd<9b>31m\u2400 ok\n\tz"
    assert make_inert("plain ünïcode 👍") == "plain ünïcode 👍"


def test_retry_after_forms() -> None:
    assert parse_retry_after({"Retry-After": "2"}) == 2.0
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert parse_retry_after({}) is None


def test_http_errors_are_explained() -> None:
    endpoint = Endpoint("openai", "http://x/v1", "gpt-z", "OPENAI_API_KEY")
    not_found = http_error(404, {"message": "no such model"}, {}, endpoint)
    assert not_found.kind is ErrorKind.NOT_FOUND
    assert "gpt-z" in not_found.message
    too_long = http_error(400, {"message": "maximum context length is 8192 tokens"}, {}, endpoint)
    assert too_long.kind is ErrorKind.CONTEXT_LENGTH
    assert "too long" in too_long.message
    assert http_error(503, None, {}, endpoint).retryable


def test_offline_summary_echoes_the_message() -> None:
    assert summarise("hello world") == "You wrote 2 words: “hello world”"
    assert summarise("") == "Your message was empty."
    assert "on 2 lines" in summarise("a\nb")
    assert summarise("x" * 200).endswith("…”")
    assert count_tokens("Hello, world!") == 4
