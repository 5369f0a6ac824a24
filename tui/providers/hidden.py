"""Importing an SDK with an optional package it looks for made to look missing.

Both SDKs import aiohttp as they load, when it is installed, to offer an aiohttp
transport (`DefaultAioHttpClient`) that tui-chat never uses. textual-serve (for `tui-chat
serve`) installs aiohttp, and loading it costs about 0.12 s before every first request.
With aiohttp hidden, an SDK takes the fallback it has for when aiohttp is not installed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def hidden(*names: str) -> Iterator[None]:
    """Within the block, importing one of `names` fails as if it were not installed
    (a module that is already imported stays as it is)."""
    masked = [name for name in names if name not in sys.modules]
    for name in masked:
        sys.modules[name] = None  # type: ignore[assignment]  # Python's "not installed" mark
    try:
        yield
    finally:
        for name in masked:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
