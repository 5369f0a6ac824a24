"""No file the app writes during a session holds an API key."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.helpers import send, settle
from tests.replay_server import ReplayServer
from tui.config import known_keys, load_config
from tui.logs import setup_logging
from tui.store import ConversationStore
from tui.ui.app import ChatApp

FILE_KEY = "sk-file-key-7f3a9c1e5b"
ENV_KEY = "sk-env-key-2d8b4f6a0c"


async def test_a_session_writes_no_key_anywhere(
    replay: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    logs = tmp_path / "logs"
    config_path = tmp_path / "config" / "config.toml"
    config_path.parent.mkdir()
    config_path.write_text(
        "[providers.keyed]\n"
        'kind = "openai"\nmodel = "fixture-model"\n'
        # This server rejects the key (and echoes nothing back); the other one answers.
        f'base_url = "{replay.url("openai_http_401", openai=True)}"\n'
        f'api_key = "{FILE_KEY}"\n'
        "[providers.good]\n"
        'kind = "openai"\nmodel = "fixture-model"\napi_key_env = "OPENAI_API_KEY"\n'
        f'base_url = "{replay.url("openai_basic_stop", openai=True)}"\n'
    )
    config_path.chmod(0o600)
    config = load_config(config_path, tmp_path / "data")
    setup_logging(debug=True, keys=known_keys(config), environ={"TUI_CHAT_LOG_DIR": str(logs)})
    export = tmp_path / "export" / "chat.md"
    try:
        for name in ("keyed", "good"):
            # A data dir each: the second app must not reopen the first one's provider.
            config = load_config(config_path, tmp_path / f"data-{name}")
            app = ChatApp(
                config,
                ConversationStore(config.data_dir),
                config.provider(name),
                themes_dir=tmp_path / "themes",
                probe_local=False,
            )
            async with app.run_test(size=(120, 36)) as pilot:
                await send(app, pilot, f"hello {name}")
                if name == "good":
                    await pilot.press("ctrl+l", "e")
                    await pilot.pause()
                    app.screen.query_one(Input).value = str(export)
                    await pilot.press("enter")
                    await settle(app, pilot)
                await pilot.press("ctrl+q")
    finally:
        for handler in logging.getLogger("tui").handlers:
            handler.flush()
    # The keys did go out, in the headers, where they belong...
    sent = {h.get("authorization") for h in replay.request_headers}
    assert {f"Bearer {FILE_KEY}", f"Bearer {ENV_KEY}"} <= sent
    # ...and nowhere else: not in history, state, export or log.
    written = files_written(tmp_path, config_path)
    assert export in written
    assert any(p.parent == logs for p in written)
    assert any(p.suffix == ".toml" and "conversations" in p.parts for p in written)
    for path, data in written.items():
        assert FILE_KEY.encode() not in data, path
        assert ENV_KEY.encode() not in data, path


def files_written(root: Path, config_path: Path) -> dict[Path, bytes]:
    """Every file under `root` but the config, with its bytes."""
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and p != config_path}
