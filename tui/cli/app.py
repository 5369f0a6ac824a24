"""`tui-chat`: start the full-screen app."""

from __future__ import annotations

import argparse
import sys

from tui.cli.options import add_common_options, fail, resolve
from tui.config import ConfigError


def build_parser() -> argparse.ArgumentParser:
    """The `tui-chat` argument parser."""
    parser = argparse.ArgumentParser(
        prog="tui-chat",
        description="A full-screen terminal chat client for LLM APIs.",
        epilog="commands (each with its own --help): ask (a reply without the UI, for "
        "scripts and pipes), serve (the app in a web browser), search (every "
        "conversation), stats (spend and tokens), ls, show, rm (saved conversations)",
    )
    add_common_options(parser)
    return parser


def main(argv: list[str]) -> int:
    """Parse `argv`, load the config and run the app until it quits."""
    args = build_parser().parse_args(argv)
    config, provider = resolve(args)
    from tui.store import ConversationStore
    from tui.ui.app import ChatApp
    from tui.ui.user_keys import check_user_keys

    try:  # before the app starts: a bad [keys] table is printed like any config error
        check_user_keys(config.keys, config.key_lines.get, config.config_path)
    except ConfigError as exc:
        fail(str(exc))

    app = ChatApp(config, ConversationStore(config.data_dir), provider=provider)
    app.run()
    for note in app.session.exit_notes:
        print(note, file=sys.stderr)
    return int(app.return_code or 0)
