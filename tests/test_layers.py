"""Architecture rules, mappers and small helpers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


def test_core_layers_never_import_the_ui_and_the_sdks_load_without_aiohttp() -> None:
    loaded = imported_modules(
        "tui.config",
        "tui.domain",
        "tui.prices",
        "tui.engine",
        "tui.store",
        "tui.tools",
        "tui.session.registry",
        "tui.providers.openai_chat",
        "tui.providers.anthropic_msgs",
        "tui.cli.ask",
    )
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "rich")}
    # Installed (for textual-serve), but 0.12 s the SDKs spend on a transport never used.
    assert {"openai", "anthropic"} <= loaded
    assert "aiohttp" not in loaded
    assert "anyio._backends._asyncio" in loaded  # with the SDK, not in the first request


PACKAGE = Path(__file__).parent.parent / "tui"

# What each layer may import from tui (by module prefix); the first matching rule wins.
ALLOWED: list[tuple[str, tuple[str, ...]]] = [
    ("tui.providers", ("tui.providers",)),
    ("tui.config", ("tui.config",)),
    ("tui.domain", ()),
    ("tui.inert", ()),
    ("tui.logs", ()),
    ("tui.store", ("tui.store", "tui.domain")),
    ("tui.state", ("tui.store",)),
    ("tui.attachments", ("tui.domain",)),
    ("tui.images", ("tui.domain",)),
    ("tui.context", ("tui.domain", "tui.attachments")),
    ("tui.export", ("tui.domain",)),
    ("tui.reasoning", ("tui.config",)),
    ("tui.vision", ("tui.config",)),
    ("tui.prices", ("tui.config", "tui.domain")),
    ("tui.search", ("tui.store",)),
    ("tui.spending", ("tui.store", "tui.config", "tui.domain", "tui.prices")),
    ("tui.tools", ("tui.tools", "tui.config", "tui.domain", "tui.inert", "tui.providers.base")),
    (
        "tui.engine",
        (
            "tui.engine",
            "tui.images",
            "tui.tools",
            "tui.providers",
            "tui.config",
            "tui.domain",
            "tui.attachments",
            "tui.reasoning",
            "tui.context",
            "tui.logs",
        ),
    ),
    ("tui.compare", ("tui.config", "tui.domain", "tui.engine")),
    (
        "tui.session",
        (
            "tui.session",
            "tui.spending",
            "tui.prices",
            "tui.images",
            "tui.vision",
            "tui.tools",
            "tui.logs",
            "tui.engine",
            "tui.providers",
            "tui.config",
            "tui.domain",
            "tui.store",
            "tui.search",
            "tui.state",
            "tui.compare",
            "tui.context",
        ),
    ),
    ("tui.cli.app", ("tui.cli", "tui.config", "tui.store", "tui.ui")),
    ("tui.cli.serve", ("tui.cli", "tui.config", "tui.ui.user_keys")),  # checks keys once
    (
        "tui.cli",
        (
            "tui.cli",
            "tui.spending",
            "tui.prices",
            "tui.images",
            "tui.vision",
            "tui.tools",
            "tui.engine",
            "tui.providers",
            "tui.config",
            "tui.domain",
            "tui.store",
            "tui.session",
            "tui.compare",
            "tui.attachments",
            "tui.inert",
            "tui.logs",
            "tui.search",
            "tui.export",
        ),
    ),
    ("tui.ui", ("tui",)),  # the UI may use every layer below it, and nothing imports it
    ("tui.__main__", ("tui.cli", "tui.terminal_mode")),
    ("tui.terminal_mode", ()),
    ("tui", ()),
]
UI_FREE = ("textual", "rich")


def module_imports() -> dict[str, set[str]]:
    """Every module of tui/ and the modules it imports (at any depth of its code)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module)
        found[name] = imported
    return found


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_every_module_imports_only_what_its_layer_allows() -> None:
    problems = []
    modules = module_imports()
    assert len(modules) > 60
    for module, imported in sorted(modules.items()):
        layer, allowed = next((r for r in ALLOWED if within(module, r[0])), ("?", ()))
        for name in sorted(imported):
            if within(name, "tui") and not any(within(name, a) for a in allowed):
                problems.append(f"{module} ({layer}) imports {name}")
            if name.split(".")[0] in UI_FREE and not (
                within(module, "tui.ui") or module == "tui.cli.app"
            ):
                problems.append(f"{module} imports {name}: only the UI may")
    assert problems == []


def test_no_module_is_over_400_lines_and_the_main_screen_under_300() -> None:
    sizes = {p: len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {str(p): n for p, n in sizes.items() if n > 400} == {}
    assert sizes[PACKAGE / "ui" / "screens" / "main.py"] < 300


def test_ask_imports_only_the_sdk_it_needs() -> None:
    loaded = imported_modules("tui.cli.ask", "tui.providers.openai_chat")
    assert "openai" in loaded
    assert "anthropic" not in loaded


def test_the_first_screen_imports_no_reply_engine() -> None:
    # The engine, the provider events and the tool modules come with the first reply:
    # importing them took about a tenth of the start-up.
    loaded = imported_modules("tui.ui.app")
    deferred = ("tui.engine", "tui.compare", "tui.providers", "tui.tools", "tui.ui.streaming")
    assert sorted(m for m in loaded if m.startswith(deferred)) == []
    assert "tui.ui.screens.main" in loaded


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


def test_textual_lays_out_with_its_compiled_geometry() -> None:
    # textual-speedups: a frame's region arithmetic in Rust (startup -9%, key echo while
    # streaming -30%, opening 2,000 messages -14% in an A/B).
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import textual.geometry as g, textual_speedups as s; print(g.Region is s.Region)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "True"
