"""`KeyFooter`: Textual's footer, updated in place when only which keys apply changed."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    """A footer that greys a key out or back in without being rebuilt.

    Textual's footer recomposes, removing and mounting every key, whenever the screen's
    bindings change. Starting and ending a reply change only whether Esc applies, and
    that rebuild (about 60 ms on a slow machine) ran as the first words arrived. When the
    keys shown are the same ones, only their enabled state is set here.
    """

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self._update_in_place(screen):
            return
        super().bindings_changed(screen)

    def _update_in_place(self, screen: Screen[object]) -> bool:
        if not self.is_attached or screen is not self.screen or not screen.app.app_focus:
            return False
        keys = list(self.query_children(FooterKey))
        if not keys or len(keys) != len(self.children):
            return False  # not composed yet, or key groups (which this does not handle)
        shown = self._shown(screen)
        described = [(key.key, key.key_display, key.description, key.action) for key in keys]
        if described != [entry[:4] for entry in shown]:
            return False
        for key, (*_, enabled) in zip(keys, shown, strict=True):
            key._disabled = not enabled  # what the key itself reads to ring the bell
            key.set_class(not enabled, "-disabled")
        return True

    def _shown(self, screen: Screen[object]) -> list[tuple[str, str, str, str, bool]]:
        """(key, how it shows, description, action, enabled) for each key `compose`
        would show, in its order."""
        app = self.app
        active = screen.active_bindings
        first: dict[str, tuple[Binding, bool]] = {}
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show:
                first.setdefault(binding.action, (binding, enabled))
        shown = list(first.values())
        palette = active.get(app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE and palette is not None:
            shown.append((palette[1], palette[2]))
        return [
            (b.key, app.get_key_display(b), b.description, b.action, enabled)
            for b, enabled in shown
        ]
