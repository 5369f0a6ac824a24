"""Attaching a file's text to a message, and how attachments are sent to a model."""

from __future__ import annotations

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
