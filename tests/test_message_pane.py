"""The message pane draws only what is on screen: messages off screen are estimated, not
drawn, and what is on screen stays still while they are measured."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tests.helpers import pane_text
from tui.domain import ChatMessage, Role
from tui.ui.widgets.message_pane import MessagePane

SIZE = (80, 24)
REPLY = "Some words.\n\n```python\nvalue = 1\nother = 2\n```\n\n- one\n- two\n\nThe end."
"""A reply whose estimate (from its text) is off from its measure (code padding, lists)."""


def conversation(pairs: int) -> list[ChatMessage]:
    messages: list[ChatMessage] = []
    for number in range(pairs):
        messages.append(ChatMessage(Role.USER, f"question {number}"))
        reply = ChatMessage(Role.ASSISTANT, f"{REPLY} {number}", finish_reason="stop")
        messages.append(reply)
    return messages


class Pane(App[None]):
    """A pane showing `messages` (not focused until a test says so)."""

    AUTO_FOCUS = None

    def __init__(self, messages: list[ChatMessage]) -> None:
        super().__init__()
        self.messages = messages

    def compose(self) -> ComposeResult:
        yield MessagePane()

    def on_mount(self) -> None:
        pane = self.query_one(MessagePane)
        for message in self.messages:
            pane.add(message)


async def test_a_long_conversation_draws_only_its_last_screenful() -> None:
    app = Pane(conversation(1000))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.query_one(MessagePane)
        measured = [n for n, width in enumerate(pane.places.measured) if width > 0]
        assert 1 <= len(measured) <= 6  # a screenful of 2,000 messages
        assert measured[-1] == 1999
        made = [n for n, view in enumerate(pane.views) if view._parts is not None]
        assert made == measured  # the others' parts are not even made
        rows = [row.strip() for row in pane_text(pane)]
        assert rows[-3:] == ["The end. 999", "✓ stop", ""]
        assert pane.virtual_size.height > 10_000  # the others, estimated


async def test_what_is_on_screen_stays_still_as_messages_above_it_are_measured() -> None:
    app = Pane(conversation(300))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.query_one(MessagePane)
        pane.scroll_to(y=pane.max_scroll_y // 2, animate=False, immediate=True)
        await pilot.pause()
        for _ in range(30):  # up a row at a time, across messages only estimated
            before = pane_text(pane)
            pane.scroll_up(animate=False, immediate=True)
            await pilot.pause()
            assert pane_text(pane)[1:] == before[:-1]  # all moved down one row, no jump
        assert pane.scrolled_up


async def test_a_short_conversation_sits_at_the_bottom() -> None:
    app = Pane([ChatMessage(Role.USER, "only this")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        rows = [row.strip() for row in pane_text(app.query_one(MessagePane))]
        assert rows[-3:] == ["You", "only this", ""]
        assert set(rows[:-3]) == {""}


async def test_the_focus_bar_marks_the_selected_message_and_moves_with_the_keys() -> None:
    app = Pane(conversation(2))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.query_one(MessagePane)
        pane.focus()
        await pilot.pause()

        def barred() -> list[str]:
            return [row[1:].strip() for row in pane_text(pane) if row.startswith("█")]

        assert barred()[0] == "assistant"  # the newest message
        assert barred()[-1] == "✓ stop"  # its rows, not the blank one under it
        await pilot.press("up")
        assert barred() == ["You", "question 1"]
        assert pane.focused_view is pane.views[2]
        await pilot.press("down", "down")  # no further than the last
        assert pane.focused_view is pane.views[3]


async def test_a_click_selects_a_message_and_opens_its_reasoning() -> None:
    reply = ChatMessage(Role.ASSISTANT, "The answer.", reasoning="Thinking it over.")
    app = Pane([ChatMessage(Role.USER, "why?"), reply])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.query_one(MessagePane)
        rows = [row.strip() for row in pane_text(pane)]
        title = rows.index("▶ Reasoning")
        await pilot.click(pane, offset=(3, title))
        await pilot.pause()
        assert pane.selected == 1
        rows = [row[1:].strip() for row in pane_text(pane)]  # after the focus bar
        assert rows[-7:-1] == [
            "assistant",
            "▼ Reasoning",
            "",
            "Thinking it over.",
            "The answer.",
            "unknown",
        ]
        box = pane.look.fills["message--reasoning-box"].bgcolor
        y = len(rows) - 5  # the reasoning's text, in its box from edge to edge
        bar, *rest = [s for s in pane.render_line(y) if s.text]
        assert bar.text == "█"  # focused: the bar, then the box to the right edge
        assert {s.style.bgcolor for s in rest if s.style} == {box}


async def test_rows_kept_from_frame_to_frame_are_drawn_again_in_a_new_theme() -> None:
    app = Pane(conversation(1))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.query_one(MessagePane)
        y = [row.strip() for row in pane_text(pane)].index("question 0")

        def colours() -> set[object]:
            return {s.style.bgcolor for s in pane.render_line(y) if s.style}

        dark = colours()
        assert pane.render_line(y) is pane.render_line(y)  # kept, not drawn again
        app.theme = "textual-light"
        await pilot.pause()
        light = colours()
        assert light != dark
        assert light == {pane.visual_style.rich_style.bgcolor}


def test_rows_are_laid_on_the_background_except_cells_with_their_own() -> None:
    from rich.segment import Segment
    from rich.style import Style

    from tui.ui.widgets.pane_rows import on_background

    background = Style(bgcolor="#101010")
    cell = Segment("▀", Style(color="#ff0000", bgcolor="#00ff00"))
    text = Segment("word", Style(bold=True))
    laid = on_background([Segment(" "), text, cell], background)
    assert laid[2] is cell  # a picture's cell keeps its own colours, untouched
    assert [s.style for s in laid] == [
        s.style for s in Segment.apply_style([Segment(" "), text, cell], background)
    ]
    style = laid[1].style
    assert style is not None
    assert style.bold
    assert style.bgcolor == background.bgcolor
