"""Finding a provider's API key: environment, config file, or `api_key_command`.

The command runs at most once per session per command line (its output is cached, and
concurrent first calls wait for one run); keys are never written anywhere by the app.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import threading
from collections.abc import Mapping

from tui.config.model import Config, ProviderConfig

log = logging.getLogger(__name__)

_command_keys: dict[str, str | None] = {}
_command_lock = threading.Lock()


def api_key(provider: ProviderConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """The key for `provider`; None if there is none.

    The environment variable wins, then the file's inline key, then the output of
    `api_key_command`, which this may run: call it off the event loop the first time.
    """
    at_hand = _key_at_hand(provider, environ)
    if at_hand:
        return at_hand
    return command_key(provider.api_key_command) if provider.api_key_command else None


def command_key(command: str) -> str | None:
    """The first line `command` prints, run once per session (None if it fails)."""
    with _command_lock:
        if command not in _command_keys:
            try:
                done = subprocess.run(
                    shlex.split(command),
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=True,
                    stdin=subprocess.DEVNULL,
                )
                lines = done.stdout.strip().splitlines()
                _command_keys[command] = lines[0].strip() if lines else None
            except (OSError, ValueError, subprocess.SubprocessError) as exc:
                # The command's output could hold the key: log only what failed.
                log.warning("api_key_command failed: %s", type(exc).__name__)
                _command_keys[command] = None
        return _command_keys[command]


def known_keys(config: Config, environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Every key already at hand (environment and file), for hiding in logs.

    Runs no command: providers with an `api_key_command` are left out.
    """
    keys = (_key_at_hand(p, environ) for p in config.providers.values() if not p.api_key_command)
    return tuple(sorted({key for key in keys if key}))


def _key_at_hand(provider: ProviderConfig, environ: Mapping[str, str] | None) -> str | None:
    env = os.environ if environ is None else environ
    from_env = env.get(provider.api_key_env) if provider.api_key_env else None
    return from_env or provider.inline_api_key
