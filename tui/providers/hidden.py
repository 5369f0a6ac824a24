"""Importing an SDK with an optional package it looks for made to look missing.

Both SDKs import aiohttp as they load, when it is installed, to offer an aiohttp
transport (`DefaultAioHttpClient`) that tui-chat never uses. textual-serve (for `tui-chat
serve`) installs aiohttp, and loading it costs about 0.12 s before every first request.
With aiohttp hidden, an SDK takes the fallback it has for when aiohttp is not installed.

`preload_async_backend` loads, with the SDK, what its HTTP client would otherwise import
during the first request.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress


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


def preload_async_backend() -> None:
    """Import anyio's asyncio backend, which the SDKs' HTTP client loads lazily on its
    first request. The app imports the SDK off the event loop, at start-up; left to the
    first request, this import ran between the request and the reply's first words
    (the first request took 46 ms against 4 ms for the next, 15 ms with this)."""
    with suppress(ImportError):  # a private module of anyio's: gone one day, no harm
        importlib.import_module("anyio._backends._asyncio")
