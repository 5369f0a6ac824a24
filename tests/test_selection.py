"""Selecting text with the mouse and copying it: what is copied is what a person reads."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.app import App, ComposeResult
from textual.geometry import Offset
from textual.pilot import Pilot
from textual.selection import SELECT_ALL, Selection

from tests.helpers import notices, pane_text, send, settle, views
from tests.ui_harness import make_app
from tui.domain import ChatMessage, Role
from tui.ui.markdown_rows import render_markdown
from tui.ui.selectable import copied_text, rows_of
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.message_parts import Piece
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


class Pieces(App[None]):
    """A pane with one reply made of `pieces` (text, and whether code goes on after it)."""

    AUTO_FOCUS = None

    def __init__(self, pieces: list[tuple[str, bool]]) -> None:
        super().__init__()
        self.pieces = pieces

    def compose(self) -> ComposeResult:
        yield MessagePane(at_bottom=False)

    def on_mount(self) -> None:
        pane = self.query_one(MessagePane)
        view = pane.add(ChatMessage(Role.ASSISTANT, "", finish_reason="stop"), title="")
        parts: list[Piece] = []
        for index, (text, code_goes_on) in enumerate(self.pieces):
            parts.append(Piece(text, margin=1 if index else 0))
            parts[-1].ending = "\n" if code_goes_on else "\n\n"
        view.parts[:1] = parts  # in place of the tail
        view.changed()


async def drag(pilot: Pilot[None], start: tuple[int, int], end: tuple[int, int]) -> str | None:
    """Drag across the pane from `start` to `end`; what the screen then has selected."""
    pane = pilot.app.query_one(MessagePane)
    await pilot.mouse_down(pane, offset=start)
    await pilot.hover(pane, offset=end)
    await pilot.mouse_up(pane, offset=end)
    return pilot.app.screen.get_selected_text()


async def test_drags_from_blank_rows_and_gutters_start_where_the_pointer_is() -> None:
    app = Pieces([(PIECE, False)])
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        rows = [row[1:].rstrip() for row in pane_text(app.query_one(MessagePane))]
        code, blank, para, quote = (
            rows.index(" first_line()"),
            rows.index(""),
            rows.index("Para one."),
            rows.index("▌ a quote"),
        )
        # (x = 1 is the first cell of a message: the pane keeps one for the focus bar.)
        assert await drag(pilot, (1, code), (5, code + 1)) == "first_line()\nseco"  # padding
        assert await drag(pilot, (1, blank), (4, para)) == "first_line()\nsecond_line()\n\nPara"
        assert await drag(pilot, (1, quote), (5, quote)) == "a q"  # from the bar
        assert await drag(pilot, (40, 0), (1, blank)) == ""  # past a row's end, to a blank one


async def test_a_drag_across_pieces_copies_them_as_one_text() -> None:
    pieces = [
        ("First paragraph.", False),
        ("```\nline one\n```", True),  # cut in its code
        ("```\nline two\n```", False),
        ("Last words.", False),
    ]
    app = Pieces(pieces)
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        rows = [row.strip() for row in pane_text(app.query_one(MessagePane))]
        last = rows.index("Last words.")
        assert await drag(pilot, (1, 0), (4, last)) == (
            "First paragraph.\n\nline one\nline two\n\nLast"  # no blank inside the code
        )


def row_of(pane: MessagePane, text: str) -> int:
    """The row of the pane that starts with `text` (after the focus bar's cell)."""
    return next(y for y, row in enumerate(pane_text(pane)) if row[1:].startswith(text))


def backgrounds(pane: MessagePane, y: int) -> list[object]:
    return [s.style.bgcolor for s in pane.render_line(y) if s.style and s.text.strip()]


async def test_a_drag_across_question_and_reply_copies_their_text_only(
    fake_clipboard: Path, tmp_path: Path
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 60)) as pilot:
        await send(app, pilot, "hi")
        reply = views(app)[-1]
        assert len([p for p in reply.parts if isinstance(p, Piece)]) > 1  # frozen, and tail
        pane = app.main_screen.query_one(MessagePane)
        hello, same = row_of(pane, "Hello! I am"), row_of(pane, "The same works")
        plain = backgrounds(pane, hello)
        await pilot.mouse_down(pane, offset=(1, row_of(pane, "hi")))
        await pilot.hover(pane, offset=(16, same))  # x = 16 is the 16th character
        await pilot.mouse_up(pane, offset=(16, same))
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

        selected = backgrounds(pane, hello)
        assert selected != plain  # the selection is drawn over the text
        assert len(set(selected)) == 1
        last_row = backgrounds(pane, same)
        assert last_row[0] == selected[0]  # up to the pointer...
        assert last_row[-1] == plain[0]  # ...and not past it


async def test_a_drag_inside_one_row_and_nothing_selected(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 60)) as pilot:
        await send(app, pilot, "hi")
        pane = app.main_screen.query_one(MessagePane)
        hello = row_of(pane, "Hello! I am")
        assert await drag(pilot, (8, hello), (11, hello)) == "I am"  # the last cell included
        await pilot.press("ctrl+c")
        assert app.clipboard == "I am"

        await pilot.click(pane, offset=(3, hello + 1))  # a click clears the selection
        await pilot.press("ctrl+c")
        assert "Nothing is selected" in notices(app)
