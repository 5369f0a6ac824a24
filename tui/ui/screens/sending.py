"""Sending a message from the main screen: attachments and images, the context-window
question, then the reply."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from textual.widgets import Static

from tui.attachments import AttachmentError, mentioned_files, read_attachment, resolve
from tui.config import ProviderConfig
from tui.context import Window, estimate_tokens, fill, message_tokens, oldest_to_drop, short_count
from tui.domain import ChatMessage, Conversation, ImageRef, Role
from tui.images import (
    ImageError,
    Picture,
    claims_image,
    limits_for,
    needs_fitting,
    read_image,
    sniff,
)
from tui.inert import make_inert
from tui.ui.pictures import chip, pixels, size_words
from tui.ui.widgets.message_pane import MessagePane
from tui.ui.widgets.prompt_input import PromptInput
from tui.vision import takes_images
from tui.vision import warning as vision_warning

if TYPE_CHECKING:
    from tui.ui.screens.dialogs import ChoiceDialog
    from tui.ui.screens.main import MainScreen


class Sender:
    """Turns the prompt's text into a user message and a reply, on `screen`."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.pending: list[tuple[str, Picture]] = []
        """Images pasted into the message being typed (sent with it), by name."""
        self._reading = False
        self.queued: tuple[Conversation, str] | None = None
        """A message typed while a reply streamed: sent when that reply ends."""

    async def send(self, text: str, *, over_budget: bool = False) -> None:
        """Save the user's message, then start the reply (asking first if it would not
        fit, and refusing it, unless sent `over_budget`, once a budget is used up)."""
        screen, session = self.screen, self.screen.session
        conv = screen.conversation
        if conv.id in session.replies:
            self.queue(conv, text)
            return
        if refused := conv.read_only or session.writes_refused:
            screen.notify(
                f"{refused}. Your text stays in the box: Ctrl+N starts a new "
                "conversation, or fork this one (f in the list) to continue in a copy.",
                title="Read-only",
                severity="warning",
            )
            return
        if not over_budget and await screen.costs.refuses(
            lambda: self.send(text, over_budget=True)
        ):
            return  # the text stays in the box
        if screen.editing is not None:
            await screen.messages.resend_edited(text)
            return
        if self._reading:
            return  # the previous Enter's files and images are still being read
        self._reading = True
        try:
            # Reading and decoding images takes a while: off the event loop.
            user = await asyncio.to_thread(self.user_message, text)
        finally:
            self._reading = False
        if user is None:
            return
        window = session.catalog.window_now(screen.provider)
        need = fill(conv, [user]).tokens
        if window is None or window.tokens is None or need <= window.tokens:
            await self.deliver(conv, user)
            return
        size = window.tokens

        async def chosen(choice: str | None) -> None:
            if choice is None:
                return  # the text stays in the box
            drop = oldest_to_drop(conv, user, size) if choice == "drop" else 0
            await self.deliver(conv, user, drop=drop)
            if drop:
                screen.notify(f"Sent without the {drop} oldest messages; they stay here.")

        dialog = context_full_dialog(conv, user, need, window, screen.provider)
        screen.app.push_screen(dialog, chosen)

    def user_message(self, text: str) -> ChatMessage | None:
        """The user's message with the files and images it mentions (`@path`) attached,
        and the pasted images; None (and a notice) if one cannot be attached. Runs on a
        worker thread: it touches no widget (notices are thread-safe)."""
        attachments = []
        pictures: list[tuple[str, Picture]] = []
        limit = self.screen.config.attach_limit
        cwd = Path.cwd()
        try:
            for name in mentioned_files(text, cwd):
                path = resolve(name, cwd)
                if claims_image(name) or sniff(_head(path)):
                    pictures.append((name, read_image(path, name)))
                else:
                    attachments.append(read_attachment(path, name, limit))
        except (AttachmentError, ImageError) as exc:
            self.screen.notify(
                f"{exc} Your message was not sent.", title="Attach", severity="error"
            )
            return None
        images = self.keep_images([*pictures, *self.pending])
        if images is None:
            return None
        provider = self.screen.provider
        if images and not takes_images(provider.kind, provider.model):
            self.screen.notify(
                vision_warning(provider.model, len(images)), title="Image", severity="warning"
            )
        return ChatMessage(Role.USER, text, attachments=attachments, images=images)

    def keep_images(self, pictures: list[tuple[str, Picture]]) -> list[ImageRef] | None:
        """Store each image as a blob (before any request sends it) and say which ones
        the provider gets scaled down; their references, or None if one cannot be kept."""
        screen = self.screen
        blobs, limits = screen.session.blobs, limits_for(screen.provider.kind)
        refs = []
        for name, picture in pictures:
            try:
                digest = blobs.put(picture.data, picture.media_type)
            except OSError as exc:
                screen.notify(
                    f"{name} could not be kept in {blobs.root}: {exc.strerror or exc}. "
                    "Your message was not sent.",
                    title="Attach",
                    severity="error",
                )
                return None
            refs.append(picture.ref(digest, name))
            if needs_fitting(picture, limits):
                screen.notify(scaling_words(name, picture, screen.provider), title="Image")
        return refs

    def add_pending(self, picture: Picture, name: str = "clipboard") -> None:
        """Attach a pasted image to the message being typed."""
        self.pending.append((name, picture))
        self.show_pending()

    def remove_pending(self) -> None:
        """Drop the pasted images (the message's text stays)."""
        self.pending.clear()
        self.show_pending()

    def queue(self, conv: Conversation, text: str) -> None:
        """Keep `text` to send when `conv`'s streaming reply ends (one message at most)."""
        screen = self.screen
        if self.queued is not None:
            screen.notify(
                "A message is already queued; it goes when the reply ends (Esc takes it back).",
                severity="warning",
            )
            return
        self.queued = (conv, text)
        screen.query_one(PromptInput).clear_sent(text)
        self.show_pending()

    def take_back_queued(self) -> bool:
        """Esc: put the queued message of the open conversation back in the box."""
        screen = self.screen
        if self.queued is None or self.queued[0] is not screen.conversation:
            return False
        _, text = self.queued
        self.queued = None
        prompt = screen.query_one(PromptInput)
        prompt.load_text(text + (f"\n{prompt.text}" if prompt.text else ""))
        self.show_pending()
        screen.notify("The queued message is back in the box.")
        return True

    async def send_queued(self, conv: Conversation) -> None:
        """`conv`'s reply ended: send what was queued for it (if it is still on screen;
        otherwise it waits in that conversation's draft)."""
        if self.queued is None or self.queued[0] is not conv:
            return
        _, text = self.queued
        self.queued = None
        self.show_pending()
        screen = self.screen
        if conv is screen.conversation:
            await self.send(text)
        else:
            screen.drafts[conv.id] = text
            screen.notify(f"Your queued message waits in the box of “{conv.title}”.")

    def show_pending(self) -> None:
        """The line above the box naming the pasted images and the queued message
        (hidden when there are none)."""
        line = self.screen.query_one("#pending-images", Static)
        names = "  ".join(
            make_inert(chip(name, p.width, p.height, len(p.data))) for name, p in self.pending
        )
        parts = [f"{names}  (sent with your next message)"] if names else []
        if self.queued is not None and self.queued[0] is self.screen.conversation:
            first = self.queued[1].strip().splitlines()[0][:60] if self.queued[1].strip() else ""
            parts.append(
                f"⏳ queued: “{make_inert(first)}” goes when the reply ends (Esc takes it back)"
            )
        line.update("\n".join(parts))
        line.display = bool(parts)

    async def deliver(self, conv: Conversation, user: ChatMessage, *, drop: int = 0) -> None:
        """Add the user's message to `conv` and ask for the reply (the oldest `drop`
        messages left out of the request)."""
        screen = self.screen
        if conv.id in screen.session.replies:
            return
        conv.add(user)
        if self.pending:
            self.remove_pending()
        if conv is screen.conversation:
            screen.query_one(PromptInput).clear_sent(user.content)
            screen.query_one(MessagePane).add(user)
        screen.drafts.pop(conv.id, None)
        if any(m.images for m in conv.messages[drop:]):
            # Scaling images to the provider's limits takes a while: done here, off the
            # event loop, the request finds them ready.
            from tui.engine import fitted_images

            read = screen.session.blobs.read
            await asyncio.to_thread(fitted_images, conv, screen.provider, read, drop)
        await screen.ask_for_reply(conv, drop=drop)


def _head(path: Path) -> bytes:
    """The first bytes of a file, enough to recognise an image ("" if unreadable)."""
    try:
        with path.open("rb") as file:
            return file.read(16)
    except OSError:
        return b""


def scaling_words(name: str, picture: Picture, provider: ProviderConfig) -> str:
    """What the user is told about an image over what `provider` takes."""
    limits = limits_for(provider.kind)
    scale = min(1.0, limits.max_side / max(picture.width, picture.height))
    width, height = max(1, round(picture.width * scale)), max(1, round(picture.height * scale))
    heavy = len(picture.data) > limits.max_bytes and scale == 1.0
    to = f"re-encoded to under {size_words(limits.max_bytes)}" if heavy else pixels(width, height)
    was = f"{pixels(picture.width, picture.height)}, {size_words(len(picture.data))}"
    return (
        f"{name} ({was}) is over "
        f"what {provider.name} takes ({limits.max_side} px a side, "
        f"{size_words(limits.max_bytes)}): it is sent scaled down to {to}. "
        "The original is kept."
    )


def context_full_dialog(
    conv: Conversation, user: ChatMessage, need: int, window: Window, provider: ProviderConfig
) -> ChoiceDialog:
    """The question asked before sending a message that would overflow the window."""
    size = window.tokens or 0
    drop = oldest_to_drop(conv, user, size)
    total = len(conv.messages)
    if message_tokens(user) + estimate_tokens(conv.system_prompt or "") > size:
        what = "Even this message alone may not fit: dropping sends it with no history."
    else:
        what = f"Dropping leaves out the {drop} oldest of {total} messages from what is sent."
    text = (
        f"This message makes the request about {short_count(need)} tokens, but "
        f"{provider.model} holds {short_count(size)} ({window.source}). {what} The "
        "conversation itself keeps every message. Send anyway lets the server decide "
        "(it may refuse, or cut the oldest text itself)."
    )
    choices = [("drop", f"Drop {drop} oldest"), ("send", "Send anyway")]
    from tui.ui.screens.dialogs import ChoiceDialog

    return ChoiceDialog("Context window full", text, choices)
