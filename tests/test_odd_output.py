"""Replies no model should send, and some will: the app neither crashes nor hangs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import send, settle, views
from tests.replay_server import ReplayServer, StreamCase
from tests.ui_harness import make_app
from tui.store import ConversationStore

CODE_LINES = 10_000
ODD_PARTS = {
    "long line": "x" * 20_000 + "\n\n",
    "deep nesting": "".join("  " * depth + "- level\n" for depth in range(60))
    + "".join(">" * depth + " quoted\n" for depth in range(1, 40))
    + "\n",
    "right to left": "שלום עולם — مرحبا بالعالم — English in between\n\n",
    "emoji": "👩🏽‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 🤷🏿‍♀️ and a flag 🇫🇷\n\n",
    "nul and controls": "before\x00after\x07bell\x1b[2Jclear\r\n\n",
    "huge code block": "```python\n"
    + "".join(f"value_{i} = {i}  # a line of code\n" for i in range(CODE_LINES))
    + "```\n\nafter the code\n",
}


def odd_case() -> StreamCase:
    text = "".join(ODD_PARTS.values())
    # 40-character deltas: a fast model's stream (about 9,600 chunks).
    pieces = [text[i : i + 40] for i in range(0, len(text), 40)]
    lines = []
    for index, piece in enumerate(pieces):
        finish = "stop" if index == len(pieces) - 1 else None
        choice = {"index": 0, "delta": {"content": piece}, "finish_reason": finish}
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
        lines.append(f"data: {json.dumps({**chunk, 'choices': [choice]})}\n\n")
    lines.append("data: [DONE]\n\n")
    return StreamCase("odd", "".join(lines).encode(), {"text": text}, None)


async def test_odd_reply_streams_to_the_end_and_is_stored_exactly(tmp_path: Path) -> None:
    server = ReplayServer({"odd": odd_case()})
    await server.start()
    try:
        app = make_app(tmp_path, server, "odd")
        async with app.run_test(size=(120, 36)) as pilot:
            await send(app, pilot, "be odd")  # returns once the reply has finished
            await settle(app, pilot)
            view = views(app)[-1]
            assert view.message.finish_reason == "stop"
            assert view.shown_text == view.message.content
    finally:
        await server.stop()
    expected = server.cases["odd"].expected["text"]
    store = ConversationStore(tmp_path / "data")
    (summary,) = store.list_summaries()
    assert store.load(summary.id).messages[1].content == expected
