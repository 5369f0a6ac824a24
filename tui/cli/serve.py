"""`tui-chat serve`: the same app in a web browser, through textual-serve.

Each browser tab that connects starts its own `tui-chat` process with the options given
here, so tabs share the data dir the way two terminals do: the data-dir lock lets the
first write, and the others say they are read-only.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
from pathlib import Path

from tui.cli.options import add_common_options, fail, resolve
from tui.config import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def build_parser() -> argparse.ArgumentParser:
    """The `tui-chat serve` argument parser."""
    parser = argparse.ArgumentParser(
        prog="tui-chat serve",
        description="Serve tui-chat to a web browser. Each tab runs its own tui-chat with "
        "these options, on the same data dir.",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="the address browsers open, when it is not http://HOST:PORT "
        "(behind a proxy, or with --host 0.0.0.0)",
    )
    add_common_options(parser)
    return parser


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host`."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def is_wildcard(host: str) -> bool:
    """Whether `host` means every address of this machine (0.0.0.0, ::)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def page_url(host: str, port: int) -> str:
    """The address the page tells the browser to connect back to, for `host`."""
    bare = host.strip("[]")
    return f"http://[{bare}]:{port}" if ":" in bare else f"http://{bare}:{port}"


def exposure_warning(host: str, port: int) -> str | None:
    """What to tell the user before listening on `host`, if others may reach it."""
    if is_loopback(host):
        return None
    return (
        f"tui-chat serve: warning: {host}:{port} is not a loopback address. Anyone who can "
        "reach it can use tui-chat as you: your conversations, your API keys and your MCP "
        "tools. There is no password; put it behind a proxy that asks for one."
    )


def app_command(args: argparse.Namespace) -> str:
    """The shell command each tab runs: this Python's tui-chat, with the options given."""
    words = [sys.executable, "-m", "tui"]
    for flag, value in (
        ("--provider", args.provider),
        ("--model", args.model),
        ("--base-url", args.base_url),
        ("--config", args.config),
        ("--data-dir", args.data_dir),
    ):
        if value is not None:
            # Paths are made absolute: the server may be started from anywhere.
            path = value.expanduser().resolve() if isinstance(value, Path) else None
            words += [flag, str(path) if path else value]
    if args.debug:
        words.append("--debug")
    return shlex.join(words)


def main(argv: list[str]) -> int:
    """Check the options once (a mistake fails here, not in every tab), then serve."""
    args = build_parser().parse_args(argv)
    config, _provider = resolve(args)
    from tui.ui.user_keys import check_user_keys

    try:
        check_user_keys(config.keys, config.key_lines.get, config.config_path)
    except ConfigError as exc:
        fail(str(exc))
    if is_wildcard(args.host) and not args.public_url:
        fail(
            f"tui-chat serve: --host {args.host} listens on every address, so the page cannot "
            "know which one browsers use: give it with --public-url (for example "
            f"--public-url http://my-machine.lan:{args.port})."
        )
    if warning := exposure_warning(args.host, args.port):
        print(warning, file=sys.stderr)

    from textual_serve.server import Server

    server = Server(
        app_command(args),
        host=args.host.strip("[]"),
        port=args.port,
        title="tui-chat",
        public_url=args.public_url or page_url(args.host, args.port),
    )
    try:
        server.serve()
    except OSError as exc:  # the port is taken, or the address is not this machine's
        print(f"tui-chat serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0
