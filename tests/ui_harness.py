"""Build a `ChatApp` on a temp data dir whose providers point at the replay server."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.replay_server import ReplayServer
from tui.config import load_config
from tui.store import ConversationStore
from tui.ui.app import ChatApp


def write_config(
    home: Path,
    server: ReplayServer | None,
    cases: dict[str, str],
    settings: dict[str, list[str]] | None = None,
    top: list[str] | None = None,
) -> Path:
    """A config whose provider NAME replays case CASE, for each NAME -> CASE given
    (with the TOML lines in `settings[NAME]` added to its table, and the lines `top`,
    e.g. a `[budget]` table, before the providers)."""
    lines = [*(top or []), "", "[providers.offline]", "chunk_delay = 0", ""]
    for name, case in cases.items():
        assert server is not None
        kind = "anthropic" if case.startswith("anthropic") else "openai"
        lines += [
            f"[providers.{name}]",
            f'kind = "{kind}"',
            f'base_url = "{server.url(case, openai=kind == "openai")}"',
            'model = "fixture-model"',
            *(settings or {}).get(name, []),
            "",
        ]
    path = home / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# Shown in the status bar; a fixed path keeps screenshots the same on every machine.
SHOWN_CONFIG_PATH = Path("~/.config/tui-chat/config.toml")


def make_app(
    home: Path,
    server: ReplayServer | None = None,
    provider: str = "offline",
    cases: dict[str, str] | None = None,
    settings: dict[str, list[str]] | None = None,
    top: list[str] | None = None,
) -> ChatApp:
    """A `ChatApp` with data in `home/data`, starting on `provider`."""
    if cases is None:
        cases = {} if provider == "offline" else {provider: provider}
    path = write_config(home, server, cases, settings, top)
    config = load_config(path, home / "data", environ={})
    config = replace(config, config_path=SHOWN_CONFIG_PATH)
    store = ConversationStore(config.data_dir)
    # No probing of local servers: what runs on the test machine must not matter.
    return ChatApp(
        config, store, config.provider(provider), themes_dir=home / "themes", probe_local=False
    )
