"""Where a streaming reply may be cut into pieces that render on their own."""

from __future__ import annotations

from tui.ui.markdown_split import code_blocks, last_safe_cut, open_fence_cut


def test_a_cut_falls_at_a_blank_line_outside_code() -> None:
    text = "para one\n\n```\ncode\n\nmore code\n```\n\npara two"
    cut = last_safe_cut(text)
    assert cut is not None
    assert text[cut:] == "para two"
    assert last_safe_cut("- item\n\n  continued\n") is None  # indented: still the list


def test_a_long_open_code_block_is_closed_and_reopened() -> None:
    lines = "".join(f"line {i}\n" for i in range(150))
    text = "intro\n\n~~~~python\n" + lines + "half a li"
    cut, opener, closer = open_fence_cut(text, max_lines=100) or (0, "", "")
    assert text[cut:] == "half a li"  # cut after the last complete line
    assert opener == "~~~~python\n"
    assert closer == "~~~~\n"
    # Both halves render as code: what is before the cut, closed; what follows, reopened.
    assert code_blocks(text[:cut] + closer) == [lines]
    assert code_blocks(opener + text[cut:]) == ["half a li"]


def test_short_or_closed_code_blocks_are_left_alone() -> None:
    assert open_fence_cut("```\n" + "x\n" * 50, max_lines=100) is None
    assert open_fence_cut("```\n" + "x\n" * 150 + "```\n", max_lines=100) is None
