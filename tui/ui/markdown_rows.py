"""Reply Markdown, drawn so that a mouse selection copies what a person reads.

Rich's Markdown draws code blocks on a padded background and block quotes behind a
bar. Here those cells are marked *gutter*: drawn, never copied. Rows that a paragraph or
a code line wrapped onto are marked *soft*, with how they join the row above, so a copy
gives back the line as written instead of the screen's line breaks.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, ClassVar

from rich.cells import get_character_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style

from tui.inert import make_inert

if TYPE_CHECKING:
    from rich.markdown import Markdown
    from rich.text import Text

GUTTER_KEY = "gutter"
"""Style meta of cells drawn for layout only."""
SOFT_KEY = "soft"
"""Style meta of a row that continues the row above; its value is the joining text."""

EXACT_JOIN = "exact"
"""The soft value of a folded code row: the copy joins the rows exactly as they are."""

GUTTER = Style.from_meta({GUTTER_KEY: True})
SOFT_CODE = Style.from_meta({SOFT_KEY: EXACT_JOIN})
SOFT_SPACE = Style.from_meta({SOFT_KEY: " "})
"""A paragraph wrapped at a space: the copy joins the rows with one space."""
SOFT_FOLD = Style.from_meta({SOFT_KEY: ""})
"""A word longer than the row, folded: the copy joins the rows with nothing between."""

_classes: dict[str, type[Markdown]] = {}


def fold(line: Text, width: int) -> list[Text]:
    """`line` cut every `width` cells (code is folded, not word-wrapped: nothing is lost)."""
    if line.cell_len <= width:
        return [line]
    cuts: list[int] = []
    cells = 0
    for index, char in enumerate(line.plain):
        size = get_character_cell_size(char)
        if cells + size > width:
            cuts.append(index)
            cells = 0
        cells += size
    return list(line.divide(cuts))


def _join_style(between: str) -> Style | None:
    """How a paragraph row joins the row above, from the text the wrap cut at: a line
    break in the text is a hard break (no join), spaces one space, nothing a fold."""
    if "\n" in between:
        return None
    return SOFT_SPACE if between else SOFT_FOLD


def _reply_markdown_class() -> type[Markdown]:
    """`Markdown` with the three elements drawn for copying (built on first use: Rich's
    Markdown costs start-up time the first screen does not need)."""
    if cls := _classes.get("reply"):
        return cls
    from rich.markdown import (
        BlockQuote,
        CodeBlock,
        Heading,
        Markdown,
        MarkdownElement,
        Paragraph,
    )
    from rich.syntax import Syntax

    class CopyableParagraph(Paragraph):
        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            plain = self.text.plain
            new_line = Segment.line()
            end = 0  # where the row before ended in `plain`
            for index, line in enumerate(
                self.text.wrap(console, options.max_width, justify=self.justify)
            ):
                words = line.plain.rstrip()
                start = plain.find(words, end) if words else end
                start = end if start < 0 else start
                soft = _join_style(plain[end:start]) if index else None
                yield from Segment.apply_style(line.render(console), None, soft)
                yield new_line
                end = start + len(words)

    class CopyableHeading(Heading):
        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            justify = self.LEVEL_ALIGN.get(self.tag, "left")
            for line in self.text.wrap(console, options.max_width, justify=justify):
                indent = len(line.plain) - len(line.plain.lstrip())
                line.stylize(GUTTER, 0, indent)  # the centring, not the title
                yield from line.render(console)
                yield Segment.line()

    class CopyableCode(CodeBlock):
        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            code = str(self.text).rstrip()
            background = Syntax.get_theme(self.theme).get_background_style()
            pad = background + GUTTER
            width = max(options.max_width, 3)
            inner = width - 2
            new_line = Segment.line()
            blank = Segment(" " * width, pad)
            yield from (blank, new_line)
            lines = (
                Syntax(code, self.lexer_name, theme=self.theme)
                .highlight(code)
                .split("\n", allow_blank=True)
            )
            if len(lines) > 1 and not lines[-1].plain:
                lines.pop()  # the highlighter ends the code with a line break
            for line in lines:
                for index, row in enumerate(fold(line, inner)):
                    yield Segment(" ", pad)
                    soft = SOFT_CODE if index else None
                    yield from Segment.apply_style(row.render(console), background, soft)
                    yield Segment(" " * (inner - row.cell_len + 1), pad)
                    yield new_line
            yield from (blank, new_line)

    class CopyableQuote(BlockQuote):
        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            inner = options.update(width=options.max_width - 4)
            bar = Segment("▌ ", console.get_style(self.style) + GUTTER)
            for line in console.render_lines(self.elements, inner, style=self.style):
                yield bar
                yield from line
                yield Segment.line()

    class ReplyMarkdown(Markdown):
        elements: ClassVar[dict[str, type[MarkdownElement]]] = {
            **Markdown.elements,
            "paragraph_open": CopyableParagraph,
            "heading_open": CopyableHeading,
            "fence": CopyableCode,
            "code_block": CopyableCode,
            "blockquote_open": CopyableQuote,
        }

    _classes["reply"] = ReplyMarkdown
    return ReplyMarkdown


def render_markdown(text: str, *, dark: bool = True) -> Markdown:
    """Model text as Markdown, with control characters made visible first."""
    code_theme = "monokai" if dark else "friendly"
    return _reply_markdown_class()(
        make_inert(text),
        code_theme=code_theme,
        inline_code_lexer="text",
        inline_code_theme=code_theme,
        hyperlinks=False,
    )


def warm_up_rendering() -> None:
    """Render a small reply off screen, in a worker thread: the first Markdown parse and
    the first Python code block (Pygments compiles its lexer) cost about 0.1 s once."""
    sample = "# Title\n\nSome *text* and `code`.\n\n```python\nvalue = 1\n```\n"
    console = Console(file=io.StringIO(), width=80, color_system="truecolor")
    for dark in (True, False):
        console.print(render_markdown(sample, dark=dark))
