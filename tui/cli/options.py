"""Options shared by `tui-chat` and its subcommands, and turning them into a `Config`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from tui.config import Config, ConfigError, ProviderConfig, known_keys, load_config
from tui.logs import setup_logging

EXIT_USAGE = 2


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """`--provider`, `--model`, `--base-url`, `--config`, `--data-dir`, `--debug`."""
    parser.add_argument(
        "--provider", metavar="NAME", help="provider name from the config or presets"
    )
    parser.add_argument("--model", metavar="MODEL", help="model name (overrides the provider's)")
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="API root: with /v1 for OpenAI-compatible servers, without it for Anthropic",
    )
    add_config_options(parser)


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """`--config`, `--data-dir`, `--debug`: what a command that sends nothing takes."""
    parser.add_argument(
        "--config",
        metavar="PATH",
        type=Path,
        help="config file (default: $TUI_CHAT_CONFIG or the user config dir)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help="where conversations are kept (default: $TUI_CHAT_DATA_DIR or the user data dir)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="log in detail, prompt text included (the log file is in the user log dir, "
        "or $TUI_CHAT_LOG_DIR)",
    )


def resolve(args: argparse.Namespace) -> tuple[Config, ProviderConfig]:
    """Load the config and pick the provider the options ask for; exit 2 when impossible."""
    config = load(args)
    try:
        provider = config.provider(args.provider, model=args.model, base_url=args.base_url)
    except KeyError:
        names = ", ".join(sorted(config.providers))
        fail(f"tui-chat: no provider named '{args.provider}'. Known providers: {names}.")
    return config, provider


def load(args: argparse.Namespace) -> Config:
    """Load the config `--config` and `--data-dir` name and start logging; exit 2 when
    the config is not valid."""
    try:
        config = load_config(args.config, args.data_dir)
    except ConfigError as exc:
        fail(str(exc))
    setup_logging(debug=args.debug, keys=known_keys(config))
    return config


def fail(message: str) -> NoReturn:
    """Print `message` to stderr and exit with the usage status."""
    print(message, file=sys.stderr)
    raise SystemExit(EXIT_USAGE)
