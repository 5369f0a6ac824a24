"""The one table of keys: every action's id, default key, words and where it applies.

The `BINDINGS` of the app, the screens and the widgets (`bindings`), the command palette
(`palette_keys`), the help screen and the README's key tables (`help_sections`) all come
from `KEYS`. Ids are stable: a user's `[keys]` config table rebinds an action by its id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding, BindingType

Where = Literal[
    "app", "chat", "prompt", "message", "list", "compare", "approval", "tools", "stats", "help"
]
"""The node a key is bound on: the app, the main screen ("chat"), the message box, a
focused message, the conversation list, the compare screen, the tool approval dialog,
the Tools screen, the Stats screen, the help dialog."""

SECTIONS: dict[Where, str] = {
    "app": "Anywhere",
    "chat": "Anywhere",
    "prompt": "Anywhere",
    "message": "On a focused message",
    "compare": "Comparing replies",
    "list": "In the conversation list",
    "approval": "Asked to run a tool",
    "tools": "On the Tools screen",
    "stats": "On the Stats screen",
    "help": "In this help",
}
"""The help screen's (and the README's) section for each `Where`."""

PALETTE_SUFFIX: dict[Where, str] = {"message": " (message)", "list": " (list)"}
"""Said after the key in the palette when the key only works with that widget focused."""

_NAMES = {
    "escape": "Escape",
    "enter": "Enter",
    "tab": "Tab",
    "delete": "Delete",
    "end": "End",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "slash": "/",
    "question_mark": "?",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
}
_MODIFIERS = {"ctrl": "Ctrl", "alt": "Alt", "shift": "Shift"}


def key_display(keys: str) -> str:
    """A Textual key string as people write it: "ctrl+r" is "Ctrl+R", "f1,question_mark"
    is "F1 / ?"."""
    return " / ".join(_one_key(key.strip()) for key in keys.split(","))


def _one_key(key: str) -> str:
    *modifiers, name = key.split("+")
    if name in _NAMES:
        shown = _NAMES[name]
    elif re.fullmatch(r"f\d+", name):
        shown = name.upper()
    elif len(name) == 1:
        shown = name.upper() if modifiers else name
    else:
        shown = name.replace("_", " ").title()
    return "+".join([*(_MODIFIERS.get(m, m.title()) for m in modifiers), shown])


@dataclass(frozen=True, slots=True)
class Key:
    """One action: its default key, its words, and the node it is bound on."""

    id: str
    """Stable kebab-case name, unique in `KEYS`; the `[keys]` config table rebinds by it."""
    key: str | None
    """Textual key string, alternatives comma-separated. None: not a binding of ours (a
    key Textual or a widget handles itself, or an action offered only in the palette)."""
    label: str
    """Short name: the footer, and the palette unless `title` is set."""
    help: str
    """One line for the help screen, the palette and the README. Empty: no row of its
    own (another row's text names this key)."""
    where: Where
    """The node it is bound on, which is also its help section."""
    action: str | None = None
    """The Textual action string on that node; None for a row that only documents."""
    doc: str = ""
    """The README's and the palette's words, when `help` reads wrong outside the help
    screen (as "this help" does)."""
    display_as: str = ""
    """The key as people see it, when `key_display(key)` does not say it (or no `key`)."""
    title: str = ""
    """The palette's name for it, when longer than `label`."""
    command: str | None = None
    """What the palette runs on the main screen, for a key bound on a widget."""
    footer: int = 0
    """Place in the footer among its node's keys, lowest first (equal places keep the
    table's order); 0 keeps it out of the footer."""
    palette: bool = False
    """Offered in the command palette (while the main screen says it applies)."""
    priority: bool = False
    """A priority binding: checked before the focused widget's own keys."""

    @property
    def display(self) -> str:
        """The key as shown in the help screen and the README ("" when it has none)."""
        return self.display_as or (key_display(self.key) if self.key else "")

    def key_in(self, keymap: Mapping[str, str]) -> str | None:
        """Its keys with the user's `keymap` ({id: keys}) applied."""
        return keymap.get(self.id, self.key) if self.key and self.action else self.key

    def display_in(self, keymap: Mapping[str, str]) -> str:
        """`display`, with the user's `keymap` applied."""
        own = keymap.get(self.id) if self.key and self.action else None
        return key_display(own) if own else self.display

    @property
    def words(self) -> str:
        """What it does, for the README and the palette."""
        return self.doc or self.help

    @property
    def show(self) -> bool:
        """Whether the footer shows it."""
        return self.footer > 0

    @property
    def palette_action(self) -> str | None:
        """The action the palette runs: on the app for "app" keys, else on the main
        screen."""
        return self.command or self.action

    @property
    def palette_title(self) -> str:
        """The palette's line: its name with the key, as in "Regenerate reply  (Ctrl+R)"."""
        return self.palette_title_in({})

    def palette_title_in(self, keymap: Mapping[str, str]) -> str:
        """`palette_title`, with the user's `keymap` applied."""
        name = self.title or self.label
        key = self.key_in(keymap)
        if key:
            shown = key_display(key.split(",")[0]) + PALETTE_SUFFIX.get(self.where, "")
        else:
            shown = self.display_as
        return f"{name}  ({shown})" if shown else name

    def binding(self) -> Binding:
        """The Textual binding for this key.

        Raises:
            ValueError: it has no `key` or no `action`, so nothing to bind.
        """
        if self.key is None or self.action is None:
            raise ValueError(f"key {self.id!r} is not a binding")
        return Binding(
            self.key,
            self.action,
            self.label,
            show=self.show,
            priority=self.priority,
            id=self.id,
        )


# In the order the help screen and the README list them; the footer's order is `footer`.
# fmt: off
KEYS: tuple[Key, ...] = (
    # ---------------------------------------------------------------- anywhere
    Key("send", "enter", "Send", "send the message", "prompt", "submit", footer=1, priority=True),
    Key("newline", "ctrl+j", "Newline", "new line in the message (also Alt+Enter / Shift+Enter)",
        "prompt", "newline"),
    Key("newline-alt", "alt+enter,shift+enter", "Newline", "", "prompt", "newline"),
    # Up is TextArea's own cursor_up, which the message box turns into this in an empty box.
    Key("edit-last", None, "Edit last message", "edit your last message; Enter resends it",
        "chat", "edit_last", display_as="Up (empty box)", palette=True),
    Key("stop-reply", "escape", "Stop",
        "stop the streaming reply (kept, marked cancelled) / cancel editing",
        "chat", "stop", title="Stop reply", footer=5, palette=True),
    Key("new-conversation", "ctrl+n", "New", "new conversation",
        "chat", "new_conversation", title="New conversation", footer=3, palette=True),
    Key("regenerate", "ctrl+r", "Regenerate",
        "regenerate the last reply (the old one is kept as a version)",
        "chat", "regenerate", title="Regenerate reply", footer=2, palette=True),
    Key("copy-reply", "ctrl+t", "Copy reply", "copy the last finished reply",
        "chat", "copy_reply", title="Copy last reply", footer=1, palette=True),
    Key("copy-selection", "ctrl+c", "Copy selection", "copy the text selected with the mouse",
        "chat", "copy_text", title="Copy selected text", palette=True),
    Key("copy-conversation", None, "Copy conversation", "copy the whole conversation as Markdown",
        "chat", "copy_conversation", palette=True),
    Key("pick-model", "f2", "Model", "pick provider and model (models are fetched live)",
        "chat", "pick_model", title="Pick provider and model", footer=6, palette=True),
    Key("next-provider", "f3", "Next provider", "switch to the next ready provider",
        "chat", "next_provider", title="Next ready provider", palette=True),
    Key("toggle-sidebar", "f4", "Sidebar", "show / hide the conversation list",
        "chat", "toggle_sidebar", title="Toggle sidebar", palette=True),
    Key("system-prompt", "f5", "System prompt", "edit this conversation's system prompt",
        "chat", "edit_system_prompt", title="Edit system prompt", palette=True),
    Key("step-reasoning", "f6", "Reasoning",
        "reasoning: effort (OpenAI-style) or thinking budget (Anthropic)",
        "chat", "step_reasoning", title="Step reasoning", palette=True),
    Key("compare", "f7", "Compare", "compare: send the typed message to 2 to 4 models side by side",
        "chat", "compare", title="Compare models", footer=7, palette=True),
    Key("focus-messages", "ctrl+o", "Messages", "focus the messages (then the keys below)",
        "chat", "focus_messages", title="Focus messages", palette=True),
    Key("toggle-focus", "ctrl+l", "List/Input", "move between the list and the message box",
        "chat", "toggle_focus", title="Move between list and message box", palette=True),
    Key("filter", "ctrl+f", "Filter", "filter conversations by title or text",
        "chat", "filter", title="Filter conversations", palette=True),
    Key("search", "ctrl+g", "Search", "search every conversation; Enter opens one at the match",
        "chat", "search", title="Search every conversation", footer=4, palette=True),
    Key("complete-path", "tab", "Complete @path",
        "attach a file or an image to the message (Tab completes the name)",
        "prompt", "complete_path", display_as="@path, Tab"),
    # TextArea selects a line / everything on F6 / F7; in the message box they are the screen's.
    Key("prompt-reasoning", "f6", "Reasoning", "", "prompt", "screen.step_reasoning"),
    Key("prompt-compare", "f7", "Compare", "", "prompt", "screen.compare", footer=1),
    Key("tools", "f8", "Tools",
        "tools: MCP servers and their tools; turn tools off for this conversation",
        "chat", "tools", title="Tools (MCP servers)", palette=True),
    Key("paste-image", "f9", "Paste image",
        "paste an image from the clipboard into the message (wl-paste, xclip or pngpaste)",
        "chat", "paste_image", title="Paste image from the clipboard", palette=True),
    Key("stats", "f10", "Stats",
        "stats: spend and tokens per day, by provider and model",
        "chat", "stats", title="Stats: spend and usage", palette=True),
    Key("remove-pasted", None, "Remove pasted images",
        "drop the images pasted into the message", "chat", "remove_pasted", palette=True),
    Key("jump-to-end", "ctrl+end", "Jump to end", "jump to the end and follow the stream",
        "chat", "jump_to_end", title="Jump to the end", palette=True),
    Key("command-palette", None, "Palette", "command palette: every action, themes, personas",
        "app", display_as="Ctrl+P"),
    Key("help", "f1,question_mark", "Help", "this help", "app", "help",
        doc="every key and where the files are", footer=2, palette=True),
    Key("quit", "ctrl+q", "Quit", "quit (everything is saved first)",
        "app", "quit", footer=1, priority=True),
    # ---------------------------------------------------------------- a focused message
    Key("copy-message", "c", "Copy", "copy the message (a streaming one is copied as partial)",
        "message", "screen.copy_message", footer=1),
    Key("copy-code", "b", "Copy code block", "copy a code block; press again for the next one",
        "message", "screen.copy_code", footer=1),
    Key("prev-version", "left_square_bracket", "Prev version",
        "previous / next version of a regenerated or compared reply",
        "message", "screen.step_version(-1)", title="Previous version of the reply",
        command="step_version(-1)", footer=1, palette=True),
    Key("next-version", "right_square_bracket", "Next version",
        "previous / next version of a regenerated or compared reply",
        "message", "screen.step_version(1)", title="Next version of the reply",
        command="step_version(1)", footer=1, palette=True),
    Key("edit-message", "e", "Edit last message", "edit your last message",
        "message", "screen.edit_last", footer=1),
    Key("regenerate-message", "r", "Regenerate", "regenerate the last reply",
        "message", "screen.regenerate"),
    Key("toggle-tool-results", "x", "Tool results", "expand / collapse its tool results",
        "message", "toggle_tools"),
    Key("open-image", "o", "Open image", "open its image in the system viewer",
        "message", "screen.open_image", footer=1),
    Key("previous-message", "up", "Previous", "previous / next message", "message", "move(-1)"),
    Key("next-message", "down", "Next", "previous / next message", "message", "move(1)"),
    Key("leave-messages", "escape", "Back to input", "back to the message box",
        "message", "leave", footer=1),
    # ---------------------------------------------------------------- comparing replies
    *(
        Key(f"keep-{n}", str(n), f"Keep {n}", "keep that reply (the others stay as its versions)",
            "compare", f"keep({n - 1})", footer=1)
        for n in range(1, 5)
    ),
    Key("previous-reply", "left", "◀", "move between the replies; Enter keeps the focused one",
        "compare", "app.focus_previous"),
    Key("next-reply", "right", "▶", "move between the replies; Enter keeps the focused one",
        "compare", "app.focus_next"),
    Key("keep-focused", "enter", "Keep this one", "", "compare", "keep_focused", footer=1),
    Key("stop-focused", "s", "Stop this one", "stop the focused reply (what arrived is kept)",
        "compare", "stop_focused", footer=1),
    Key("stop-compare", "escape", "Stop all / close", "stop all; once all are done, keep the first",
        "compare", "escape", footer=1),
    # ---------------------------------------------------------------- the conversation list
    Key("open-conversation", None, "Open", "open the conversation", "list", display_as="Enter"),
    Key("rename", "r", "Rename", "rename the conversation",
        "list", "screen.on_highlighted('rename_conversation')", title="Rename conversation",
        command="rename_conversation", footer=1, palette=True),
    Key("delete", "d,delete", "Delete", "delete it (its file goes to the trash folder)",
        "list", "screen.on_highlighted('delete_conversation')", title="Delete conversation",
        command="delete_conversation", footer=1, palette=True),
    Key("fork", "f", "Fork", "fork: copy it and continue separately",
        "list", "screen.on_highlighted('fork_conversation')", title="Fork conversation",
        command="fork_conversation", footer=1, palette=True),
    Key("export", "e", "Export", "export it as Markdown",
        "list", "screen.on_highlighted('export_conversation')", title="Export conversation",
        command="export_conversation", footer=1, palette=True),
    Key("list-filter", "slash", "Filter", "filter the list by title or text",
        "list", "screen.filter", footer=1),
    # ---------------------------------------------------------------- approving a tool call
    Key("approve-once", "y", "Run once", "run this call", "approval", "answer('once')",
        footer=1),
    Key("approve-always", "a", "Always", "run it, and this tool's later calls this session",
        "approval", "answer('always')", footer=1),
    Key("decline", "n,escape", "Decline", "decline (the model is told you said no)",
        "approval", "answer('deny')", footer=1),
    # ---------------------------------------------------------------- the Tools screen
    Key("toggle-tool", "space,enter", "On / off",
        "turn the highlighted tool off or on for this conversation", "tools", "toggle_tool",
        footer=1),
    Key("restart-server", "r", "Restart", "restart the highlighted tool's server",
        "tools", "restart_server", footer=1),
    Key("close-tools", "escape,q,f8", "Close", "", "tools", "dismiss", footer=1),
    # ---------------------------------------------------------------- the Stats screen
    Key("close-stats", "escape,q,f10", "Close", "", "stats", "dismiss", footer=1),
    # ---------------------------------------------------------------- the help screen
    Key("close-help", "escape,q,f1", "Close", "", "help", "dismiss", footer=1),
)
# fmt: on


def bindings(where: Where) -> list[BindingType]:
    """The `BINDINGS` of the node `where` names: its keys, in footer order."""
    bound = [k for k in KEYS if k.where == where and k.key is not None and k.action is not None]
    # sorted() is stable: keys with the same footer place keep the table's order.
    return [k.binding() for k in sorted(bound, key=lambda k: k.footer or len(KEYS))]


def palette_keys() -> list[Key]:
    """The actions the command palette offers, when they apply."""
    return [k for k in KEYS if k.palette and k.palette_action is not None]


def help_sections(
    *, readme: bool = False, keymap: Mapping[str, str] | None = None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The help screen's sections, each a title and its (keys, what they do) rows.

    Neighbouring keys of one section with the same help share a row ("[ / ]").

    Args:
        readme: the README's words (`Key.words`) instead of the help screen's.
        keymap: the user's keys ({id: keys}) over the defaults.
    """
    sections: dict[str, list[tuple[str, str]]] = {}
    for entry in KEYS:
        shown = entry.display_in(keymap or {})
        if not entry.help or not shown:
            continue
        rows = sections.setdefault(SECTIONS[entry.where], [])
        words = entry.words if readme else entry.help
        if rows and rows[-1][1] == words:
            rows[-1] = (f"{rows[-1][0]} / {shown}", words)
        else:
            rows.append((shown, words))
    return list(sections.items())
