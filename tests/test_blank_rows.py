"""The pane and its messages draw their background rows as blank strips (no styles
cache, which a stream empties on every frame): those rows must be what Textual draws."""

from __future__ import annotations

from pathlib import Path

from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tests.helpers import send, views
from tests.ui_harness import make_app
from tui.ui.widgets.message_pane import MessagePane


def cells(strips: list[Strip]) -> list[list[tuple[str, object]]]:
    """Each cell's character and background (a space's text colour does not show)."""
    return [
        [(char, seg.style.bgcolor if seg.style else None) for seg in strip for char in seg.text]
        for strip in strips
    ]


def drawn_by_textual(widget: Widget, crop: Region) -> list[list[tuple[str, object]]]:
    return cells(widget._styles_cache.render_widget(widget, crop))


async def test_background_rows_are_what_textual_draws_and_focus_keeps_its_bar(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(app, pilot, "hi")
        question = views(app)[0]
        pane = app.main_screen.query_one(MessagePane)
        for widget in (question, pane):
            crop = Region(0, 0, widget.size.width, 3)
            assert cells(widget.render_lines(crop)) == drawn_by_textual(widget, crop)
        question.focus()
        await pilot.pause()
        bar = question.render_lines(Region(0, 0, question.size.width, 1))[0]
        assert bar.text.startswith("█")  # the focus bar, drawn by the styles cache
