"""The user's `[keys]` config table checked against the table of keys (`tui.ui.keymap`).

`check_user_keys` runs before the app starts, so a mistake is printed like every other
config error (naming the line) and the app never opens; `user_keymap` is what the app
hands to Textual's `App.set_keymap` and shows in the footer, help and palette.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from textual.keys import REPLACED_KEYS, Keys, _character_to_key, key_to_character

from tui.config import ConfigError
from tui.ui.keymap import KEYS, SECTIONS, Key, Where, key_display

SCREENS: dict[Where, str] = {
    "chat": "the main screen",
    "prompt": "the main screen",
    "message": "the main screen",
    "list": "the main screen",
    "compare": "the compare screen",
    "approval": "the tool approval dialog",
    "tools": "the Tools screen",
    "stats": "the Stats screen",
    "help": "the help screen",
}
"""The screen each `Where` is on; "app" keys are on every screen."""

_README_WHERE: dict[Where, str] = {"help": "In the help screen"}
_MODIFIERS = {"ctrl", "alt", "shift", "meta", "super", "hyper"}
_NAMED = {k.value.rpartition("+")[2] for k in Keys if not k.value.startswith("<")}


def rebindable() -> dict[str, Key]:
    """The actions a `[keys]` table can rebind, by id (those bound to a key of ours)."""
    return {k.id: k for k in KEYS if k.key is not None and k.action is not None}


def normalize(keys: str) -> str:
    """A key string as Textual compares it: no spaces, "?" is "question_mark"."""
    parts = (key.strip() for key in keys.split(","))
    return ",".join(_character_to_key(key) if len(key) == 1 else key for key in parts)


def user_keymap(keys: Mapping[str, str]) -> dict[str, str]:
    """The `[keys]` table as Textual's keymap: {id: normalized keys}."""
    return {key_id: normalize(value) for key_id, value in keys.items()}


def _parses(key: str) -> bool:
    *modifiers, name = key.split("+")
    if not name or any(m not in _MODIFIERS for m in modifiers):
        return False
    known = name in _NAMED or re.fullmatch(r"f\d{1,2}", name) is not None
    character = key_to_character(REPLACED_KEYS.get(name, name))
    return len(name) == 1 or known or character is not None


def _screens(where: Where) -> set[str]:
    return set(SCREENS.values()) if where == "app" else {SCREENS[where]}


def _same_action(one: Key, other: Key) -> bool:
    def bare(action: str | None) -> str:
        return (action or "").removeprefix("screen.")

    return bare(one.action) == bare(other.action)


def check_user_keys(
    keys: Mapping[str, str], line_of: Callable[[str], int | None], path: Path
) -> None:
    """Check the user's `[keys]` table (`keys`, as written) against `KEYS`.

    Args:
        keys: {action id: keys} from the config.
        line_of: the line an id is set on (for the error).
        path: the config file.

    Raises:
        ConfigError: an id that names no action, a key Textual cannot read, or a key the
            user gives an action that another action on the same screen also has (with
            the user's keys applied over the defaults).
    """
    actions = rebindable()
    keymap = user_keymap(keys)
    for key_id in keys:
        if key_id not in actions:
            known = next((k for k in KEYS if k.id == key_id), None)
            why = "cannot be rebound" if known else "names no action"
            problem = (
                f"'{key_id}' in [keys] {why} (the README's 'Your own keys' table lists every id)."
            )
            raise ConfigError(path, problem, line_of(key_id))
        for key in keymap[key_id].split(","):
            if not _parses(key):
                problem = (
                    f"'{key_id}' in [keys]: '{key}' is not a key name Textual knows (write "
                    'keys like "f9", "ctrl+s", "alt+enter", several separated by commas).'
                )
                raise ConfigError(path, problem, line_of(key_id))
    effective = {
        key_id: set((entry.key_in(keymap) or "").split(",")) for key_id, entry in actions.items()
    }
    for key_id in keys:
        entry = actions[key_id]
        new = effective[key_id] - set(normalize(entry.key or "").split(","))
        for other in actions.values():
            if other.id == key_id or _same_action(entry, other):
                continue
            shared = new & effective[other.id]
            screens = _screens(entry.where) & _screens(other.where)
            if shared and screens:
                problem = (
                    f"'{key_id}' in [keys] takes {', '.join(sorted(shared))}, which "
                    f"'{other.id}' also has on {sorted(screens)[0]}: give one of them "
                    "another key."
                )
                raise ConfigError(path, problem, line_of(key_id))


def id_rows() -> list[tuple[str, str, str, str]]:
    """The README's table of ids: (id, default key, name, where it applies)."""
    return [
        (
            k.id,
            key_display(k.key or ""),
            k.title or k.label,
            _README_WHERE.get(k.where, SECTIONS[k.where]),
        )
        for k in rebindable().values()
    ]
