"""The Tools screen: each MCP server (starting, ready, failed and why, disabled) and its
tools, each of which can be turned off for the open conversation."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.domain import Conversation
from tui.inert import make_inert
from tui.tools.model import ServerState, ServerStatus
from tui.ui.keymap import bindings
from tui.ui.screens.dialogs import DIALOG_CSS

STATE_WORDS = {
    ServerState.STARTING: "starting…",
    ServerState.READY: "ready",
    ServerState.FAILED: "failed",
    ServerState.DISABLED: "disabled in the config",
    ServerState.STOPPED: "not started",
}


def server_lines(status: ServerStatus) -> Text:
    """A server's heading: its name, transport and state, and why it failed."""
    state = STATE_WORDS[status.state]
    if status.state is ServerState.READY:
        count = len(status.tools)
        state = f"ready, {count} tool{'s' if count != 1 else ''}"
    text = Text()
    text.append(f"{make_inert(status.name)}", style="bold")
    text.append(f"  ({status.transport}) · {state}")
    if status.error:
        text.append(f"\n  {make_inert(status.error)}", style="red")
    for line in status.stderr_tail[-5:]:
        text.append(f"\n  │ {make_inert(line)}", style="dim")
    return text


class ToolsScreen(ModalScreen[None]):
    """Servers and tools; Space turns the highlighted tool off or on for `conversation`."""

    DEFAULT_CSS = (
        "ToolsScreen {"
        + DIALOG_CSS
        + """
        & > Vertical { width: 110; }
        & OptionList { height: auto; max-height: 36; }
        & .help { margin-top: 1; width: 1fr; }
    }"""
    )
    BINDINGS: ClassVar[list[BindingType]] = bindings("tools")

    def __init__(
        self,
        statuses: Callable[[], list[ServerStatus]],
        conversation: Conversation,
        *,
        save: Callable[[], None],
        restart: Callable[[str], object],
    ) -> None:
        super().__init__()
        self.statuses = statuses
        self.conversation = conversation
        self.save = save
        self.restart = restart

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Tools"
            yield OptionList(id="tools")
            yield Label(
                "Space turns a tool off or on for this conversation · r restarts its server · "
                "Esc closes. Servers are set in [mcp_servers] in the config file.",
                classes="help",
            )

    def on_mount(self) -> None:
        self.refresh_list()
        self.query_one(OptionList).focus()

    def refresh_list(self) -> None:
        """Redraw from the servers' state now (called when it changes)."""
        listing = self.query_one(OptionList)
        highlighted = listing.highlighted_option.id if listing.highlighted_option else None
        listing.clear_options()
        statuses = self.statuses()
        if not statuses:
            listing.add_option(
                Option(
                    "No MCP servers are configured. Add [mcp_servers.NAME] tables to the "
                    "config file (the README's Tools section shows how).",
                    disabled=True,
                )
            )
        off = set(self.conversation.disabled_tools)
        for status in statuses:
            listing.add_option(Option(server_lines(status), id=f"server:{status.name}"))
            for tool in status.tools:
                mark = "[ ]" if tool.key in off else "[x]"
                line = Text(f"  {mark} {make_inert(tool.name)}")
                if tool.api_name != tool.name:
                    line.append(f" (offered as {tool.api_name})", style="dim")
                if tool.description:
                    first = tool.description.strip().splitlines()[0][:90]
                    line.append(f" — {make_inert(first)}", style="dim")
                listing.add_option(Option(line, id=f"tool:{tool.key}"))
        if highlighted is not None:
            with suppress(LookupError):
                listing.highlighted = listing.get_option_index(highlighted)

    def _highlighted_id(self) -> str | None:
        option = self.query_one(OptionList).highlighted_option
        return option.id if option is not None else None

    @on(OptionList.OptionSelected)
    def selected(self) -> None:
        self.action_toggle_tool()

    def action_toggle_tool(self) -> None:
        """Turn the highlighted tool off (or back on) for this conversation."""
        chosen = self._highlighted_id()
        if chosen is None or not chosen.startswith("tool:"):
            return
        key = chosen.removeprefix("tool:")
        off = self.conversation.disabled_tools
        if key in off:
            off.remove(key)
        else:
            off.append(key)
        self.save()
        self.refresh_list()

    def action_restart_server(self) -> None:
        """Restart the highlighted server (or the server of the highlighted tool)."""
        chosen = self._highlighted_id()
        if chosen is None:
            return
        name = chosen.split(":", 1)[1].split("/", 1)[0]
        self.restart(name)
        self.notify(f"Restarting {name}…", title="Tools")
