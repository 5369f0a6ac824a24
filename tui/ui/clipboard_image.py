"""Reading an image from the system clipboard with the first clipboard tool that has one.

No Textual here: the main screen calls `read_clipboard_image` from a worker thread.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tui.images import sniff

IMAGE_COMMANDS: list[list[str]] = [
    ["wl-paste", "--no-newline", "--type", "image/png"],
    ["xclip", "-selection", "clipboard", "-t", "image/png", "-o"],
    ["pngpaste", "-"],
]
"""The commands tried in turn (Wayland, X11, macOS); the first that prints an image's
bytes wins. A test points this at a script of its own."""
TIMEOUT_S = 5.0
"""How long one tool may take (xclip waits for the clipboard's owner to answer)."""


class ClipboardImageError(Exception):
    """No image could be read from the clipboard, said in one sentence."""


def read_clipboard_image() -> bytes:
    """The bytes of the image on the clipboard (blocking: it runs the tools).

    Raises:
        ClipboardImageError: none of the tools is installed, or none gave an image.
    """
    names = ", ".join(Path(command[0]).name for command in IMAGE_COMMANDS)
    asked: list[str] = []
    for command in IMAGE_COMMANDS:
        program = shutil.which(command[0])
        if program is None:
            continue
        asked.append(Path(command[0]).name)
        try:
            done = subprocess.run(
                [program, *command[1:]],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0 and sniff(done.stdout):
            return done.stdout
    if not asked:
        raise ClipboardImageError(
            f"No clipboard tool that can read images is installed (looked for {names})."
        )
    raise ClipboardImageError(f"The clipboard holds no image (asked {', '.join(asked)}).")
