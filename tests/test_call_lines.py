"""A tool call's block: drawn as one widget, its arguments and result copied exactly,
its head and hint (the app's words) left out of a copy."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.domain import ToolResult
from tui.ui.widgets.call_lines import RULE, CallLines
from tui.ui.widgets.tool_blocks import CallView, ToolCallBlock

LONG = "0123456789" * 9  # folds at the block's width
RESULT = f"line one\n{LONG}\nline three"


def block_app(call: CallView) -> App[None]:
    class OneBlock(App[None]):
        def compose(self) -> ComposeResult:
            yield ToolCallBlock(call)

    return OneBlock()


def drawn(lines: CallLines) -> list[str]:
    return [lines.render_line(y).text.rstrip() for y in range(lines.size.height)]


async def test_a_drag_over_a_block_copies_its_arguments_and_result_only() -> None:
    call = CallView("c1", "fetch", '{"url": "x"}', "web", ToolResult(RESULT, duration_s=0.5))
    app = block_app(call)
    async with app.run_test(size=(60, 20)) as pilot:
        block = app.query_one(ToolCallBlock)
        lines = block.query_one(CallLines)
        assert list(block.children) == [lines]  # no images: no box for them
        rows = drawn(lines)
        assert rows[0] == "⚙ fetch · web  ✓ 110 B in 0.50 s"
        assert rows[1] == '{"url": "x"}'
        assert rows[2] == RULE * lines.size.width
        assert rows[3] == "line one"
        assert rows[4] + rows[5] == LONG  # folded, not word-wrapped
        await pilot.mouse_down(lines, offset=(0, 0))
        await pilot.hover(lines, offset=(20, len(rows) - 1))
        await pilot.mouse_up(lines, offset=(20, len(rows) - 1))
        assert app.screen.get_selected_text() == f'{{"url": "x"}}\n\n{RESULT}'


async def test_a_long_result_collapses_with_a_hint_and_expands_on_click() -> None:
    text = "\n".join(f"row {n}" for n in range(20))
    app = block_app(CallView("c1", "list", "{}", "", ToolResult(text, duration_s=0.1)))
    async with app.run_test(size=(60, 30)) as pilot:
        block = app.query_one(ToolCallBlock)
        lines = block.query_one(CallLines)
        assert block.shown_result == "row 0\nrow 1\nrow 2\nrow 3"
        assert drawn(lines)[-1].startswith("… 106 B more (click")
        collapsed = lines.size.height
        await pilot.click(lines)
        assert block.expanded
        await pilot.pause()
        assert lines.size.height == collapsed + 16
        assert drawn(lines)[-2:] == ["row 19", "(click, or x on the message, to collapse)"]


async def test_a_failed_call_is_drawn_in_the_error_colour() -> None:
    app = block_app(CallView("c1", "boom", "{}", "", ToolResult("it broke", is_error=True)))
    async with app.run_test(size=(60, 20)):
        block = app.query_one(ToolCallBlock)
        lines = block.query_one(CallLines)
        assert block.has_class("-error")
        error = lines.get_component_rich_style("call--error").color
        result_row = lines.render_line(3)
        assert result_row.text.startswith("it broke")
        assert any(s.style is not None and s.style.color == error for s in result_row)
        assert "✗ error" in lines.render_line(0).text


async def test_a_change_that_keeps_the_height_repaints_without_a_layout() -> None:
    app = block_app(CallView("c1", "slow", "{}", "", None, phase="streaming"))
    async with app.run_test(size=(60, 20)) as pilot:
        block = app.query_one(ToolCallBlock)
        lines = block.query_one(CallLines)
        height = lines.size.height
        block.update_call(CallView("c1", "slow", "{}", "", None, phase="running"))
        assert "running" in lines.render_line(0).text
        assert not lines._layout_required  # one row then as now: a repaint is enough
        block.update_call(CallView("c1", "slow", "{}", "", ToolResult("done")))
        assert lines._layout_required  # the result adds rows
        await pilot.pause()
        assert lines.size.height == height + 2
