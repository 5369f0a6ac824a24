"""Attaching a file's text to a message, and how attachments are sent to a model."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tui.domain import Attachment

DEFAULT_LIMIT = 256 * 1024
"""Largest file attached, in bytes (`attach_limit_kib` in the config changes it)."""
_SNIFF = 8192


class AttachmentError(Exception):
    """A file that cannot be attached, said in one sentence."""


def read_attachment(path: Path, shown_as: str, limit: int = DEFAULT_LIMIT) -> Attachment:
    """The text of `path`, refused when missing, binary or larger than `limit` bytes.

    Raises:
        AttachmentError: with the reason.
    """
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise AttachmentError(f"{shown_as} is not a file.")
        if size > limit:
            raise AttachmentError(
                f"{shown_as} is {_size(size)}; files over {_size(limit)} are not attached "
                "(attach_limit_kib in the config raises the limit)."
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise AttachmentError(f"{shown_as}: no such file.") from None
    except OSError as exc:
        raise AttachmentError(f"{shown_as} cannot be read: {exc.strerror or exc}.") from None
    if b"\x00" in data[:_SNIFF]:
        raise AttachmentError(f"{shown_as} looks binary; only text files can be attached.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise AttachmentError(f"{shown_as} is not UTF-8 text; it was not attached.") from None
    return Attachment(shown_as, text)


_MENTION = re.compile(r"(?<!\S)@(\S+)")


def mentioned_files(text: str, cwd: Path) -> list[str]:
    """The `@path` words of `text` that name existing files (relative to `cwd`)."""
    names = []
    for match in _MENTION.finditer(text):
        name = match.group(1)
        # "what is @photo.png?": the punctuation after a name is not part of it.
        if not resolve(name, cwd).is_file():
            name = name.rstrip(".,;:!?)]}'\"")
        if name and resolve(name, cwd).is_file() and name not in names:
            names.append(name)
    return names


def resolve(name: str, cwd: Path) -> Path:
    """`name` as typed after `@`: absolute, `~/…`, or relative to `cwd`."""
    path = Path(name).expanduser()
    return path if path.is_absolute() else cwd / path


def complete_path(prefix: str, cwd: Path) -> tuple[str, list[str]]:
    """Complete a partly typed path: (the longest common completion, the candidates).

    Folders end with `/` so that completing again goes inside them.
    """
    typed = Path(prefix).expanduser()
    folder_text, _, start = prefix.rpartition("/")
    folder = (
        resolve(folder_text or ".", cwd) if folder_text or not typed.is_absolute() else Path("/")
    )
    try:
        entries = sorted(entry for entry in os.listdir(folder) if entry.startswith(start))
    except OSError:
        return prefix, []
    if not start.startswith("."):
        entries = [entry for entry in entries if not entry.startswith(".")]
    base = f"{folder_text}/" if folder_text or prefix.startswith("/") else ""
    candidates = [base + e + ("/" if (folder / e).is_dir() else "") for e in entries]
    if not candidates:
        return prefix, []
    # Character by character, on purpose: it is what can be typed for the user.
    return os.path.commonprefix(candidates), candidates  # noqa: RUF071


def with_attachments(text: str, attachments: list[Attachment]) -> str:
    """The message as the model gets it: its text, then each file in a fenced block."""
    parts = [text] if text else []
    for attachment in attachments:
        fence = "`" * max(3, _longest_backtick_run(attachment.text) + 1)
        body = attachment.text if attachment.text.endswith("\n") else attachment.text + "\n"
        parts.append(f"File `{attachment.name}`:\n{fence}\n{body}{fence}")
    return "\n\n".join(parts)


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return longest


def _size(count: int) -> str:
    return f"{count / 1024:.0f} KiB" if count < 1024 * 1024 else f"{count / 1024**2:.1f} MiB"
