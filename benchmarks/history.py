"""Deterministic large histories, written with the project's own store."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui.domain import ChatMessage, Conversation, Role
from tui.state import AppState
from tui.store import ConversationStore

START = datetime(2026, 1, 1, tzinfo=UTC)
BIG_ID = "20260101-big-bench"
"""The conversation of `big` messages, the one a start opens."""
WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
]


def conversation(index: int, messages: int, rng: random.Random) -> Conversation:
    """Conversation `index` with `messages` alternating messages of a few hundred bytes."""
    when = START + timedelta(minutes=index)
    conv = Conversation(
        id=f"20260101-{index:06d}-bench",
        title=f"Bench conversation {index:05d}",
        provider="bench",
        model="bench-len2000",
        created_at=when,
        updated_at=when,
    )
    for number in range(messages):
        role = Role.USER if number % 2 == 0 else Role.ASSISTANT
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 80)))
        if role is Role.ASSISTANT and number % 10 == 1:
            text += "\n\n```python\nprint('hello')\n```\n"
        message = ChatMessage(role, f"{number}: {text}", created_at=when)
        if role is Role.ASSISTANT:
            message.finish_reason, message.input_tokens, message.output_tokens = "stop", 20, 60
        conv.messages.append(message)
    return conv


def build(conversations: int, messages_each: int, big: int = 0) -> Path:
    """A data dir holding the history (cached between runs under the temp dir).

    `big` adds one more conversation of that many messages, opened at startup.
    """
    key = f"tui-chat-bench-{conversations}x{messages_each}-big{big}"
    folder = Path(tempfile.gettempdir()) / key
    done = folder / "complete"
    expected = conversations + (1 if big else 0)
    if done.exists() and len(os.listdir(folder / "conversations")) == expected:
        # The app writes its state on quitting (a folder opened by hand may leave another
        # conversation open): the start always opens the big one.
        if big:
            AppState(last_conversation=BIG_ID).save(folder)
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    store = ConversationStore(folder)
    rng = random.Random(1)
    for index in range(conversations):
        store.save(conversation(index, messages_each, rng))
    if big:
        large = conversation(conversations, big, rng)
        large.id, large.title = BIG_ID, "The big one"
        store.save(large)
        AppState(last_conversation=BIG_ID).save(folder)
    done.write_text("ok")
    return folder
