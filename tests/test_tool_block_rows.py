"""A tool call's block in the message pane: its arguments and result copied exactly, its
head and hint (the app's words) left out of a copy, a click expanding the result."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tests.helpers import pane_text
from tui.domain import ChatMessage, Role, ToolResult
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.message_view import MessageView
from tui.ui.widgets.tool_blocks import RULE, CallView, ToolCallBlock

LONG = "0123456789" * 9  # folds at the block's width
RESULT = f"line one\n{LONG}\nline three"


class OneCall(App[None]):
    """A pane with one reply that made one call."""

    AUTO_FOCUS = None

    def __init__(self, call: CallView) -> None:
        super().__init__()
        self.call = call
        self.view: MessageView | None = None

    def compose(self) -> ComposeResult:
        yield MessagePane(at_bottom=False)

    def on_mount(self) -> None:
        pane = self.query_one(MessagePane)
        self.view = pane.add(ChatMessage(Role.ASSISTANT, ""), live=True, title="")
        self.view.show_tools(0, (self.call,))

    @property
    def block(self) -> ToolCallBlock:
        assert self.view is not None
        return self.view.tools[0]


def drawn(app: OneCall) -> list[tuple[int, str]]:
    """The block's rows: (row of the pane, text after the bar)."""
    rows = pane_text(app.query_one(MessagePane))
    return [(y, row[3:].rstrip()) for y, row in enumerate(rows) if row[1:2] == "▌"]


async def test_a_drag_over_a_block_copies_its_arguments_and_result_only() -> None:
    call = CallView("c1", "fetch", '{"url": "x"}', "web", ToolResult(RESULT, duration_s=0.5))
    app = OneCall(call)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        pane = app.query_one(MessagePane)
        rows = drawn(app)
        texts = [text for _, text in rows]
        assert texts[0] == "⚙ fetch · web  ✓ 110 B in 0.50 s"
        assert texts[1] == '{"url": "x"}'
        assert texts[2] == RULE * (pane.inner_width - 3)
        assert texts[3] == "line one"
        assert texts[4] + texts[5] == LONG  # folded, not word-wrapped
        first, last = rows[0][0], rows[-1][0]
        await pilot.mouse_down(pane, offset=(3, first))
        await pilot.hover(pane, offset=(30, last))
        await pilot.mouse_up(pane, offset=(30, last))
        assert app.screen.get_selected_text() == f'{{"url": "x"}}\n\n{RESULT}'


async def test_a_long_result_collapses_with_a_hint_and_expands_on_click() -> None:
    text = "\n".join(f"row {n}" for n in range(20))
    app = OneCall(CallView("c1", "list", "{}", "", ToolResult(text, duration_s=0.1)))
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.pause()
        block = app.block
        assert block.shown_result == "row 0\nrow 1\nrow 2\nrow 3"
        rows = drawn(app)
        assert rows[-1][1].startswith("… 106 B more (click")
        await pilot.click(app.query_one(MessagePane), offset=(5, rows[0][0]))
        assert block.expanded
        await pilot.pause()
        expanded = drawn(app)
        assert len(expanded) == len(rows) + 16
        assert [text for _, text in expanded[-2:]] == [
            "row 19",
            "(click, or x on the message, to collapse)",
        ]


async def test_a_failed_call_is_drawn_in_the_error_colour() -> None:
    app = OneCall(CallView("c1", "boom", "{}", "", ToolResult("it broke", is_error=True)))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        pane = app.query_one(MessagePane)
        assert app.block.failed
        error = pane.get_component_rich_style("call--error").color
        rows = drawn(app)
        assert "✗ error" in rows[0][1]
        y, text = rows[3]
        assert text == "it broke"
        assert any(s.style is not None and s.style.color == error for s in pane.render_line(y))
        bar = pane.get_component_rich_style("call--bar-error").color
        assert any(s.text == "▌" and s.style and s.style.color == bar for s in pane.render_line(y))


async def test_a_call_that_changes_is_drawn_again() -> None:
    app = OneCall(CallView("c1", "slow", "{}", "", None, phase="streaming"))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert "calling" in drawn(app)[0][1]
        height = len(drawn(app))
        assert app.view is not None
        app.view.show_tools(0, (CallView("c1", "slow", "{}", "", None, phase="running"),))
        assert "running" in drawn(app)[0][1]
        app.view.show_tools(0, (CallView("c1", "slow", "{}", "", ToolResult("done")),))
        await pilot.pause()
        assert len(drawn(app)) == height + 2  # the rule and the result
