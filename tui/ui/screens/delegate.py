"""`delegate`: a screen's `action_*` method that runs a method of one of its parts."""

from __future__ import annotations

from collections.abc import Callable


def delegate(path: str) -> Callable[..., object]:
    """An `action_*` method running `group.name` of the screen, where Textual finds it."""
    group, name = path.split(".")

    def action(self: object, *args: object) -> object:
        return getattr(getattr(self, group), name)(*args)

    action.__doc__ = f"Runs `{path}`."
    return action
