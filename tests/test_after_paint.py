"""A reply's last words go on screen before the bookkeeping around them lays it out."""

from __future__ import annotations

from pathlib import Path

from textual.geometry import Region
from textual.strip import Strip

from tests.helpers import send, views
from tests.ui_harness import make_app
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.status_bar import StatusBar


async def test_the_last_words_are_drawn_before_the_status_line_changes(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        pane = app.main_screen.query_one(MessagePane)
        bar = app.main_screen.query_one(StatusBar)
        streaming_when_drawn: list[bool] = []
        """The status line's state each time the pane drew the ended reply."""
        draw = pane.render_lines

        def render_lines(crop: Region) -> list[Strip]:
            lines = draw(crop)
            shown = views(app)
            if len(shown) == 2 and not shown[-1].live:
                streaming_when_drawn.append(bar.streaming)
            return lines

        pane.render_lines = render_lines  # type: ignore[method-assign]
        await send(app, pilot, "hello")
        await pilot.pause()
        # Drawn first with the status line as it was; its totals came after that frame.
        assert streaming_when_drawn[0] is True
        assert not bar.streaming
        assert app.main_screen.conversation_list.highlighted_option is not None
