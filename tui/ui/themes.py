"""Load tui-chat's own themes (`themes/*.toml`, shipped as `tui.themes`) and the user's."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

from textual.theme import Theme


def theme_from_toml(text: str) -> Theme:
    """A Textual `Theme` from a theme file's text.

    Raises:
        ValueError: the file is not valid TOML or lacks a name or primary colour.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(data.get("name"), str) or not isinstance(data.get("primary"), str):
        raise ValueError("a theme needs at least `name` and `primary`")

    def colour(key: str) -> str | None:
        value = data.get(key)
        return str(value) if value is not None else None

    return Theme(
        name=data["name"],
        primary=data["primary"],
        secondary=colour("secondary"),
        warning=colour("warning"),
        error=colour("error"),
        success=colour("success"),
        accent=colour("accent"),
        foreground=colour("foreground"),
        background=colour("background"),
        surface=colour("surface"),
        panel=colour("panel"),
        dark=bool(data.get("dark", True)),
    )


def bundled_theme_texts() -> Iterator[tuple[str, str]]:
    """(file name, text) of each theme shipped with tui-chat."""
    for entry in resources.files("tui.themes").iterdir():
        if entry.name.endswith(".toml"):
            yield entry.name, entry.read_text(encoding="utf-8")


def user_theme_texts(folder: Path) -> Iterator[tuple[str, str]]:
    """(file name, text) of each `*.toml` in the user's themes folder, if any."""
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            yield path.name, path.read_text(encoding="utf-8")


def load_themes(sources: Iterable[tuple[str, str]]) -> tuple[list[Theme], list[str]]:
    """Themes that loaded, and a message for each file that did not."""
    themes, problems = [], []
    for name, text in sources:
        try:
            themes.append(theme_from_toml(text))
        except ValueError as exc:
            problems.append(f"theme {name}: {exc}")
    return themes, problems
