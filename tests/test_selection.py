"""Selecting text with the mouse and copying it: what is copied is what a person reads."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.app import App, ComposeResult
from textual.geometry import Offset
from textual.selection import SELECT_ALL, Selection
from textual.widget import Widget

from tests.helpers import notices, send, settle, views
from tests.ui_harness import make_app
from tui.ui.markdown_rows import render_markdown
from tui.ui.selectable import copied_text, rows_of
from tui.ui.widgets.piece_stack import PieceStack
from tui.ui.widgets.pieces import Piece
from tui.ui.widgets.prompt_input import PromptInput


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def copy_all(markdown: str, width: int) -> str:
    """What selecting all of `markdown`, drawn `width` cells wide, copies."""
    console = Console(file=io.StringIO(), width=width, color_system="truecolor")
    lines = console.render_lines(render_markdown(markdown), console.options, pad=False)
    return copied_text(rows_of(lines), SELECT_ALL).strip("\n")


def test_a_wrapped_paragraph_is_copied_as_one_line() -> None:
    words = "one two three four five six seven eight nine ten eleven twelve"
    assert copy_all(words, 20) == words


def test_code_is_copied_without_its_padding_and_a_folded_line_whole() -> None:
    line = "x = compute(alpha, beta)  # " + "a long comment " * 4
    copied = copy_all(f"Before.\n\n```python\n{line}\n    indented()\n```\n\nAfter.", 30)
    assert copied == f"Before.\n\n{line.rstrip()}\n    indented()\n\nAfter."


def test_wide_characters_fold_by_cells_and_copy_back_exactly() -> None:
    line = "print('你好世界你好世界你好世界你好世界')"
    assert copy_all(f"```\n{line}\n```", 16) == line


def test_a_quote_is_copied_without_its_bar_and_lists_keep_their_bullets() -> None:
    copied = copy_all("> quoted words that wrap onto a second row\n\n- first\n- second", 24)
    assert copied == "quoted words that wrap onto a second row\n\n • first\n • second"


def test_a_fold_inside_a_word_or_a_url_adds_no_space() -> None:
    cjk = "你好世界" * 6
    assert copy_all(cjk, 16) == cjk
    url = "see https://example.com/a/very/long/path/that/does/not/fit here"
    assert copy_all(url, 20) == url


def test_hard_line_breaks_stay_line_breaks() -> None:
    assert copy_all("line one  \nline two\\\nline three", 40) == "line one\nline two\nline three"


def test_a_folded_code_line_in_a_list_is_copied_without_the_list_indent() -> None:
    code = "abcdefghijklmnopqrstuvwxyz0123456789"
    copied = copy_all(f"- item\n\n  ```\n  {code}\n  ```", 24)
    assert copied.split("\n")[-1].strip() == code


def test_a_centred_heading_is_copied_without_its_centring() -> None:
    assert copy_all("# Title\n\nText.", 40) == "Title\n\nText."


def test_part_of_a_row_copies_those_characters() -> None:
    console = Console(file=io.StringIO(), width=40)
    rows = rows_of(console.render_lines(render_markdown("alpha beta gamma"), console.options))
    assert copied_text(rows, Selection.from_offsets(Offset(6, 0), Offset(10, 0))) == "beta"


PIECE = "Intro words here.\n\n```\nfirst_line()\nsecond_line()\n```\n\nPara one.\n\n> a quote\n"


class OnePiece(App[None]):
    def compose(self) -> ComposeResult:
        yield Piece(render_markdown(PIECE))


async def test_drags_from_blank_rows_and_gutters_start_where_the_pointer_is() -> None:
    app = OnePiece()
    async with app.run_test(size=(60, 20)) as pilot:
        piece = app.query_one(Piece)
        rows = [None if r.text is None else r.text.rstrip() for r in piece.lines.drawn_rows]
        code, blank, para, quote = (
            rows.index("first_line()"),
            rows.index(""),
            rows.index("Para one."),
            rows.index("a quote"),
        )

        async def drag(start: tuple[int, int], end: tuple[int, int]) -> str | None:
            await pilot.mouse_down(piece, offset=start)
            await pilot.hover(piece, offset=end)
            await pilot.mouse_up(piece, offset=end)
            return app.screen.get_selected_text()

        assert await drag((0, code), (4, code + 1)) == "first_line()\nseco"  # from the padding
        assert await drag((0, blank), (3, para)) == "first_line()\nsecond_line()\n\nPara"
        assert await drag((0, quote), (4, quote)) == "a q"  # from the bar
        assert await drag((40, 0), (0, blank)) == ""  # past the end of a row, to a blank one


class Stacked(App[None]):
    def compose(self) -> ComposeResult:
        yield PieceStack()

    def on_mount(self) -> None:
        stack = self.query_one(PieceStack)
        stack.add(render_markdown("First paragraph."))
        stack.add(render_markdown("```\nline one\n```"), code_goes_on=True)  # cut in its code
        stack.add(render_markdown("```\nline two\n```"))
        stack.add(render_markdown("Last words."))


async def test_a_drag_across_stacked_pieces_copies_them_as_one_text() -> None:
    app = Stacked()
    async with app.run_test(size=(40, 20)) as pilot:
        stack = app.query_one(PieceStack)
        last = stack.size.height - 1
        await pilot.mouse_down(stack, offset=(0, 0))
        await pilot.hover(stack, offset=(3, last))
        await pilot.mouse_up(stack, offset=(3, last))
        assert app.screen.get_selected_text() == (
            "First paragraph.\n\nline one\nline two\n\nLast"  # no blank inside the code
        )


async def test_a_drag_across_question_and_reply_copies_their_text_only(
    fake_clipboard: Path, tmp_path: Path
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 60)) as pilot:
        await send(app, pilot, "hi")
        question, reply = views(app)[-2:]
        pieces = list(reply.query(".piece"))
        assert [type(p) for p in pieces] == [PieceStack, Piece]  # frozen while it streamed, tail
        start = question.query_one(".user-text")
        plain = [s.style.bgcolor for s in pieces[0].render_line(0) if s.style and s.text.strip()]
        await pilot.mouse_down(start, offset=(0, 0))
        # (A message's parts are padded by a cell: x = 17 is the 17th character.)
        await pilot.hover(pieces[-1], offset=(17, 0))
        await pilot.mouse_up(pieces[-1], offset=(17, 0))
        app.screen.query_one(PromptInput).focus()  # Ctrl+C reaches the screen from the box
        await pilot.press("ctrl+c")
        await settle(app, pilot)

        copied = app.clipboard
        assert copied.startswith(
            "hi\n\nHello! I am tui-chat's built-in offline guide: no model is connected"
            " yet, so I answer without any network."
        )  # no "You" line, no role line, and the wrapped paragraph in one line
        assert "\n\nexport OPENAI_API_KEY=sk-...         # OpenAI\nexport ANTHROPIC" in copied
        folded = '"MYSERVER_API_KEY"     # the variable that holds the key, if it needs one\n'
        assert folded in copied  # a code line folded on screen is copied whole
        assert copied.endswith("\n\nThe same works w")  # up to the pointer
        assert "tokens" not in copied  # nor its finish line
        assert "stop" not in copied
        assert read(fake_clipboard) == copied
        assert "Copied the selection" in notices(app)

        def backgrounds(piece: Widget) -> list[object]:
            return [s.style.bgcolor for s in piece.render_line(0) if s.style and s.text.strip()]

        selected = backgrounds(pieces[0])
        assert selected != plain  # the selection is drawn over the text
        assert len(set(selected)) == 1
        last_row = backgrounds(pieces[-1])
        assert last_row[0] == selected[0]  # up to the pointer...
        assert last_row[-1] == plain[0]  # ...and not past it


async def test_a_drag_inside_one_row_and_nothing_selected(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 60)) as pilot:
        await send(app, pilot, "hi")
        piece = views(app)[-1].query(".piece").first()
        await pilot.mouse_down(piece, offset=(8, 0))  # after the cell of padding
        await pilot.hover(piece, offset=(11, 0))
        await pilot.mouse_up(piece, offset=(11, 0))
        await pilot.press("ctrl+c")
        assert app.clipboard == "I am"  # the character under the pointer is included

        await pilot.click(piece, offset=(3, 1))  # a click clears the selection
        await pilot.press("ctrl+c")
        assert "Nothing is selected" in notices(app)
