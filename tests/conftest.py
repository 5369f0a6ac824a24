from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.replay_server import ReplayServer, load_cases


@pytest.fixture
async def replay() -> AsyncIterator[ReplayServer]:
    """A replay server for every case in tests/fixtures/streams/."""
    server = ReplayServer(load_cases())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
