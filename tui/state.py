"""`AppState`: what the app remembers between runs, in `<data dir>/state.toml`.

Kept apart from the user's config file: the app rewrites this one freely (atomically);
it never writes the config.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import tomli_w

from tui.store.atomic import atomic_write_bytes

STATE_FILE = "state.toml"


@dataclass(slots=True)
class AppState:
    """Remembered settings; empty strings mean "not set"."""

    last_conversation: str = ""
    """Id of the conversation open when the app last quit."""
    theme: str = ""
    """Name of the chosen theme."""
    provider: str = ""
    """Provider used last."""
    model: str = ""
    """Model used last."""
    sidebar: bool = True
    """Whether the conversation list is shown."""
    compare: list[str] = field(default_factory=list)
    """The provider:model pairs compared last."""
    drafts: dict[str, str] = field(default_factory=dict)
    """Unsent messages by conversation id ("new": the box of a conversation not saved)."""

    @classmethod
    def load(cls, data_dir: Path) -> AppState:
        """The saved state, or defaults if the file is missing or unreadable."""
        try:
            raw = tomllib.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return cls()
        state = cls()
        for spec in fields(cls):
            value = raw.get(spec.name)
            if isinstance(value, list):
                value = [item for item in value if isinstance(item, str)]
            elif isinstance(value, dict):
                value = {key: text for key, text in value.items() if isinstance(text, str)}
            if isinstance(value, type(getattr(state, spec.name))):
                setattr(state, spec.name, value)
        return state

    def save(self, data_dir: Path) -> None:
        """Write the state atomically (errors are the caller's to report)."""
        atomic_write_bytes(data_dir / STATE_FILE, tomli_w.dumps(asdict(self)).encode("utf-8"))
