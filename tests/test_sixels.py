"""Sixel pictures: blank cells in the message pane, drawn over after each frame, one
slice per row, only where the frame wrote over them and no other widget covers them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from textual._compositor import ChopsUpdate
from textual.strip import Strip

from tests.cli_runner import cli_env
from tests.helpers import pane_text, send, settle
from tests.pty_app import PtyApp
from tests.ui_harness import make_app, write_config
from tui.ui import pictures, sixels
from tui.ui.widgets.message_pane import MessagePane

SIZE = (120, 40)
RED, GREEN = (200, 30, 30), (30, 200, 30)
SLICE = re.compile(r'\x1b\[(\d+);(\d+)H\x1bP0;1;0q"1;1;(\d+);(\d+)((?:#\d+;2;\d+;\d+;\d+)*)\$')


@pytest.fixture(autouse=True)
def sixel_terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TUI_CHAT_IMAGES", "sixel")
    pictures.renderer.cache_clear()
    pictures.cell_size.cache_clear()  # not a terminal here: 10 x 20 pixels a cell
    yield
    monkeypatch.undo()
    pictures.renderer.cache_clear()
    pictures.cell_size.cache_clear()


def two_colour_png(path: Path, width: int, height: int) -> None:
    """Red over green, half and half."""
    image = Image.new("RGB", (width, height), RED)
    image.paste(GREEN, (0, height // 2, width, height))
    out = io.BytesIO()
    image.save(out, "PNG")
    path.write_bytes(out.getvalue())


def percent(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    return (
        round(colour[0] * 100 / 255),
        round(colour[1] * 100 / 255),
        round(colour[2] * 100 / 255),
    )


def colours(definitions: str) -> set[tuple[int, int, int]]:
    found = re.findall(r"#\d+;2;(\d+);(\d+);(\d+)", definitions)
    return {(int(r), int(g), int(b)) for r, g, b in found}


async def test_a_picture_is_drawn_row_by_row_over_its_blank_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    two_colour_png(tmp_path / "flag.png", 120, 100)  # 12 x 5 cells of 10 x 20 pixels
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await send(app, pilot, "what is in @flag.png ?")
        pane = app.main_screen.query_one(MessagePane)
        pane.scroll_home(animate=False, immediate=True)
        await settle(app, pilot)
        places = pane.sixel_places
        assert [place.row for place in places] == [0, 1, 2, 3, 4]
        assert {(place.columns, place.rows) for place in places} == {(12, 5)}
        rows = pane_text(pane)
        top = places[0].y - pane.region.y
        chip = rows.index(next(row for row in rows if "🖼 flag.png" in row))
        assert top == chip + 1  # under its name, in cells left blank
        for place in places:
            drawn = rows[place.y - pane.region.y]
            assert drawn[place.x - pane.region.x :][:12] == " " * 12

        # Encoded by the worker that decoded the picture, before any frame needs them.
        background = sixels.rgb(pane.visual_style.rich_style)
        keys = [(p.serial, p.row, 0, p.columns, (10, 20), background) for p in places]
        assert all(key in sixels._slices for key in keys)
        update = app.screen._compositor.render_update(full=True)
        panes = [(pane, places)]
        drawn_over = sixels.with_sixels(app.screen, update, panes)
        assert isinstance(drawn_over, sixels.Overlaid)
        slices = SLICE.findall(drawn_over.after)
        assert len(slices) == 5
        for place, (y, x, width, height, _) in zip(places, slices, strict=True):
            assert (int(y), int(x)) == (place.y + 1, place.x + 1)  # 1-based
            assert (int(width), int(height)) == (120, 20)
        # Rows 0-1 are red, 3-4 green, row 2 (pixels 40-60) is where they meet.
        assert colours(slices[0][4]) == {percent(RED)}
        assert colours(slices[4][4]) == {percent(GREEN)}
        assert colours(slices[2][4]) == {percent(RED), percent(GREEN)}


def test_only_the_rows_a_frame_wrote_over_are_drawn_again() -> None:
    image = Image.new("RGB", (60, 60), RED)
    serial, _keep = sixels.register(image)
    places = [sixels.Place(serial, row, 6, 3, 10, 4 + row) for row in range(3)]
    width, height = 80, 24
    chops = [{0: Strip.blank(width)} for _ in range(height)]
    ends = [[width] for _ in range(height)]

    def drawn(spans: list[tuple[int, int, int]], covers: dict[int, list[tuple[int, int]]]) -> str:
        update = ChopsUpdate(chops, spans, ends)
        return sixels.overlay(places, update, covers, (10, 20), (0, 0, 0), height)

    assert drawn([(22, 0, 80)], {}) == ""  # the status bar's row: no picture there
    once = SLICE.findall(drawn([(5, 70, 80)], {}))  # the chop from x=0 is written whole
    assert [(y, x, w) for y, x, w, *_ in once] == [("6", "11", "60")]
    everywhere = drawn([(4, 0, 80), (5, 0, 80), (6, 0, 80)], {})
    assert [y for y, *_ in SLICE.findall(everywhere)] == ["5", "6", "7"]
    # A toast over columns 12-13 of the middle row: that row in two slices around it.
    split = SLICE.findall(drawn([(5, 0, 80)], {5: [(12, 14)]}))
    assert [(x, w) for _, x, w, *_ in split] == [("11", "20"), ("15", "20")]


def test_uncovered_parts() -> None:
    assert sixels.uncovered(10, 10, []) == [(10, 20)]
    assert sixels.uncovered(10, 10, [(0, 12), (15, 16)]) == [(12, 15), (16, 20)]
    assert sixels.uncovered(10, 10, [(5, 30)]) == []


async def test_toasts_over_a_picture_are_left_out_of_its_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    two_colour_png(tmp_path / "wide.png", 2000, 400)  # as wide as the pane, 8 rows
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 20), notifications=True) as pilot:
        await settle(app, pilot)
        await send(app, pilot, "what is in @wide.png ?")
        pane = app.main_screen.query_one(MessagePane)
        pane.scroll_home(animate=False, immediate=True)
        for number in range(4):  # stacked up from the bottom, over the picture
            app.notify(f"notice {number}")
        await settle(app, pilot)
        toasts = [toast.region for toast in app.screen.query("Toast")]
        places = {place.y: place for place in pane.sixel_places}
        under = [y for toast in toasts for y in range(toast.y, toast.bottom) if y in places]
        assert len(under) >= 3
        covers = sixels.covered_rows(app.screen, [pane])
        update = app.screen._compositor.render_update(full=True)
        drawn = sixels.overlay(places.values(), update, covers, (10, 20), (0, 0, 0), 20)
        slices = {
            int(y) - 1: (int(x) - 1, int(width) // 10) for y, x, width, *_ in SLICE.findall(drawn)
        }
        assert sorted(slices) == sorted(places)  # each row has its slice
        for y, (x, columns) in slices.items():
            place = places[y]
            toast = next((t for t in toasts if t.y <= y < t.bottom), None)
            if toast is None:  # between two toasts: the whole row
                assert (x, columns) == (place.x, place.columns)
            else:  # up to the toast's left edge only
                assert (x, x + columns) == (place.x, toast.x)


async def test_the_app_draws_sixel_slices_on_a_real_terminal(tmp_path: Path) -> None:
    two_colour_png(tmp_path / "flag.png", 120, 100)
    write_config(tmp_path, None, {})
    env = {**cli_env(tmp_path), "TUI_CHAT_IMAGES": "sixel"}
    # Tall enough for the offline guide's whole reply: the picture stays on screen
    # however late its decoding ends.
    async with PtyApp(env, size=(120, 64)) as app:
        await app.wait_for(b"Message")
        mark = len(app.output)
        app.send(f"@{tmp_path / 'flag.png'} ?".encode())
        await app.wait_for(b" ?", mark)  # echoed (a long path may scroll the box)
        app.send(b"\r")
        start = await app.wait_for(b'\x1bP0;1;0q"1;1;120;20')
        before = bytes(app.output[max(0, start - 12) : start])
        assert re.search(rb"\x1b\[\d+;\d+H$", before)  # at a cell, right before it
        app.send(b"\x11")
        assert await app.wait_exit() == 0
