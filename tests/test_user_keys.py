"""The `[keys]` config table: checked against the table of keys, applied with Textual's
keymap, and shown in the footer, the help screen and the palette."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from tests.test_keymap import README, palette_titles
from tests.ui_harness import make_app
from tui.cli.app import main
from tui.config import ConfigError, load_config
from tui.ui.keymap import help_sections
from tui.ui.screens.help import HelpDialog, help_table
from tui.ui.screens.model_picker import ModelPickerDialog
from tui.ui.user_keys import check_user_keys, id_rows


def check(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path, tmp_path / "data", environ={})
    check_user_keys(config.keys, config.key_lines.get, config.config_path)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('system_prompt = "x"\n\n[keys]\nnope = "f9"\n', 4, "'nope' in [keys] names no action"),
        ('[keys]\nsend = "ctrl+s"\npick-model = "f9"\n', 3, "which 'paste-image' also has"),
        ('[keys]\nquit = "r"\n', 2, "'quit' in [keys] takes r"),
        ('[keys]\nsend = "ctrl+bogus+s"\n', 2, "not a key name Textual knows"),
        ('[keys]\nedit-last = "f12"\n', 2, "cannot be rebound"),
        ("[keys]\nsend = 3\n", 2, "must be a string of keys"),
        ('keys = "f9"\n', 1, "'keys' must be a table"),
    ],
)
def test_a_bad_keys_table_names_the_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check(tmp_path, text)
    assert f"config.toml, line {line}:" in str(caught.value)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        '[keys]\npick-model = "f9"\npaste-image = "f2"\n',  # a swap: each key moves
        '[keys]\npick-model = "y"\n',  # "y" is the approval dialog's, another screen
        '[keys]\nstop-focused = "ctrl+n"\n',  # the compare screen's; Ctrl+N is the chat's
        '[keys]\nsend = "ctrl+s, ctrl+enter"\nhelp = "f1,?"\n',
    ],
)
def test_keys_on_different_screens_or_moved_away_do_not_clash(tmp_path: Path, text: str) -> None:
    check(tmp_path, text)


def test_the_app_never_starts_with_a_bad_keys_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[keys]\npick-model = "f9"\n', encoding="utf-8")
    with pytest.raises(SystemExit) as caught:
        main(["--config", str(path), "--data-dir", str(tmp_path / "data")])
    assert caught.value.code == 2
    assert "line 2:" in capsys.readouterr().err


def test_readme_lists_every_action_id_with_its_default_key() -> None:
    text = README.read_text(encoding="utf-8")
    header = "| action id | default key | action | where |"
    lines = text.splitlines()
    start = lines.index(header)
    rows = []
    for row in lines[start + 2 :]:
        if not row.startswith("|"):
            break
        rows.append(tuple(c.strip().replace("`", "") for c in row.strip().strip("|").split(" | ")))
    assert rows == id_rows()


SWAP = ["", "[keys]", 'pick-model = "f9"', 'paste-image = "f2"']


async def test_a_rebound_key_works_and_is_shown(tmp_path: Path) -> None:
    app = make_app(tmp_path, top=SWAP)
    assert app.config.keys == {"pick-model": "f9", "paste-image": "f2"}
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        shown = {b.binding.id: b.binding.key for b in app.screen.active_bindings.values()}
        assert shown["pick-model"] == "f9"
        assert "Pick provider and model  (F9)" in palette_titles(app)
        assert "Paste image from the clipboard  (F2)" in palette_titles(app)
        assert "Pick provider and model  (F2)" not in palette_titles(app)

        await pilot.press("f2")  # now paste-image: no image on the test's clipboard
        await pilot.pause()
        assert not isinstance(app.screen, ModelPickerDialog)
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, ModelPickerDialog)
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpDialog)
        rows = [row for _, rows in help_sections(keymap=app.user_keys) for row in rows]
        assert ("F9", "pick provider and model (models are fetched live)") in rows
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(help_table(app.config))
        help_text = console.export_text()
        assert re.search(r"^F9 +pick provider and model", help_text, re.M)
        assert re.search(r"^F2 +paste an image", help_text, re.M)
