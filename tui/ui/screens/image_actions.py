"""Images on the main screen: pasting one from the clipboard into the message being
typed, and opening a message's image in the system viewer."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from tui.domain import ChatMessage, ImageRef
from tui.images import ImageError, decode
from tui.ui.clipboard_image import ClipboardImageError, read_clipboard_image
from tui.ui.pictures import PictureCache, chip
from tui.ui.widgets.message_pane import MessagePane

if TYPE_CHECKING:
    from tui.ui.screens.main import MainScreen

VIEWER: list[str] = ["open"] if sys.platform == "darwin" else ["xdg-open"]
"""The command that opens a file in the program the desktop has for it (the image's
path is added). A test points this at a script of its own."""


def first_image(message: ChatMessage) -> ImageRef | None:
    """The message's first image: its own, else the first a tool call gave back."""
    if message.images:
        return message.images[0]
    calls = [call for step in message.steps for call in step.calls] + message.tool_calls
    for call in calls:
        if call.result is not None and call.result.images:
            return call.result.images[0]
    return None


class ImageActions:
    """The main screen's image commands, and the decoded images its pane draws."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.pictures = PictureCache(screen.session.blobs.read)
        """Decoded images by sha256, for every message view of the screen."""
        self.viewer: subprocess.Popen[bytes] | None = None
        """The last viewer started (a test waits for it)."""

    def paste_image(self) -> None:
        """Read an image from the clipboard (in a worker) and attach it to the message
        being typed; say plainly why not when there is none."""
        self.screen.run_worker(self._paste(), group="paste-image", exit_on_error=False)

    async def _paste(self) -> None:
        screen = self.screen
        try:
            data = await asyncio.to_thread(read_clipboard_image)
            picture = await asyncio.to_thread(decode, data, "The clipboard's image")
        except (ClipboardImageError, ImageError) as exc:
            screen.notify(str(exc), title="Paste image", severity="warning")
            return
        screen.sender.add_pending(picture)
        words = chip("clipboard", picture.width, picture.height, len(picture.data))
        screen.notify(f"Pasted {words}: it goes with your next message.", title="Paste image")

    def remove_pasted(self) -> None:
        """Drop the images pasted into the message being typed."""
        self.screen.sender.remove_pending()

    def open_image(self) -> None:
        """Open the focused message's (first) image in the system's image viewer."""
        screen = self.screen
        focused = screen.query_one(MessagePane).focused_view
        if focused is None:
            return
        ref = first_image(focused.message)
        if ref is None:
            screen.notify("This message has no image.")
            return
        blobs = screen.session.blobs
        if not blobs.has(ref):
            screen.notify(
                f"image missing: {ref.name} is no longer in {blobs.root}.",
                title="Open image",
                severity="warning",
            )
            return
        program = shutil.which(VIEWER[0])
        if program is None:
            screen.notify(
                f"No program to open images with was found (looked for {VIEWER[0]}); the "
                f"image is {blobs.path(ref.sha256, ref.media_type)}.",
                title="Open image",
                severity="warning",
            )
            return
        path = blobs.path(ref.sha256, ref.media_type)
        try:
            self.viewer = subprocess.Popen(
                [program, *VIEWER[1:], str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # the viewer outlives a Ctrl+C in the app
            )
        except OSError as exc:
            screen.notify(
                f"{VIEWER[0]} could not be started: {exc.strerror or exc}.",
                title="Open image",
                severity="error",
            )
            return
        screen.notify(f"Opening {ref.name} with {VIEWER[0]}.", title="Open image")
