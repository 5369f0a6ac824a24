"""The images of a request as they are sent: each blob read, and fitted to what the
provider takes (an image within its limits goes byte for byte).

Fitting is slow (a decode and a resize), and a history is sent again with every reply,
so fitted images are kept in a small LRU by (sha256, limits). A front end that wants to
tell the user what was scaled calls `fitted_images` before sending: the work it does is
kept for the request that follows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator

from tui.config import ProviderConfig
from tui.domain import ChatMessage, Conversation, ImageRef
from tui.images import ImageError, ImageLimits, Picture, decode, fit, limits_for, needs_fitting
from tui.providers.base import RequestImage

ImageLoader = Callable[[ImageRef], bytes | None]
"""The bytes of an image's blob, or None when it is missing (e.g. `BlobStore.read`)."""

FITTED_KEPT = 128
"""Fitted images kept in memory (each within a provider's byte limit)."""

_fitted: OrderedDict[tuple[str, ImageLimits], Picture] = OrderedDict()
_lock = threading.Lock()


def missing_note(ref: ImageRef) -> str:
    """What a turn says in place of an image whose blob cannot be had."""
    return f"[image missing: {ref.name}]"


def unreadable_note(ref: ImageRef) -> str:
    """What a turn says in place of an image whose blob no longer decodes."""
    return f"[image unreadable: {ref.name}]"


def clear_fitted() -> None:
    """Forget every fitted image (tests; nothing else needs to)."""
    with _lock:
        _fitted.clear()


def within_limits(ref: ImageRef, limits: ImageLimits) -> bool:
    """Whether `ref`'s image goes as it is (byte for byte) to a provider with `limits`."""
    return not needs_fitting(Picture(b"", ref.media_type, ref.width, ref.height), limits) and (
        ref.size <= limits.max_bytes
    )


def _cached(key: tuple[str, ImageLimits]) -> Picture | None:
    with _lock:
        picture = _fitted.get(key)
        if picture is not None:
            _fitted.move_to_end(key)
        return picture


def _keep(key: tuple[str, ImageLimits], picture: Picture) -> None:
    with _lock:
        _fitted[key] = picture
        _fitted.move_to_end(key)
        while len(_fitted) > FITTED_KEPT:
            _fitted.popitem(last=False)


def fitted(ref: ImageRef, limits: ImageLimits, images: ImageLoader | None) -> Picture | str:
    """`ref`'s image as it is sent within `limits`, or the note sent instead of it
    (no loader, a missing blob, or one that no longer decodes). Never raises."""
    if images is None:
        return missing_note(ref)
    scaled = not within_limits(ref, limits)
    key = (ref.sha256, limits)
    if scaled and (cached := _cached(key)) is not None:
        return cached
    data = images(ref)
    if data is None:
        return missing_note(ref)
    if not scaled:
        return Picture(data, ref.media_type, ref.width, ref.height)  # byte for byte
    try:
        picture = fit(decode(data, ref.name), limits)
    except (ImageError, OSError, ValueError):
        return unreadable_note(ref)
    _keep(key, picture)
    return picture


def request_images(
    refs: Iterable[ImageRef], limits: ImageLimits, images: ImageLoader | None
) -> tuple[tuple[RequestImage, ...], list[str]]:
    """The images of one turn (or tool result) as sent, and the notes for those that
    cannot be (to add to its text)."""
    sent: list[RequestImage] = []
    notes: list[str] = []
    for ref in refs:
        picture = fitted(ref, limits, images)
        if isinstance(picture, str):
            notes.append(picture)
        else:
            sent.append(RequestImage(picture.media_type, picture.data))
    return tuple(sent), notes


def with_notes(text: str, notes: list[str]) -> str:
    """`text` with the notes of images not sent after it."""
    return "\n\n".join([text, *notes]) if text and notes else text or "\n\n".join(notes)


def message_images(message: ChatMessage) -> Iterator[ImageRef]:
    """Every image a message sends: a user message's own, then its tool results'."""
    yield from message.images
    rounds = [step.calls for step in message.steps] + [message.tool_calls]
    for calls in rounds:
        for call in calls:
            if call.result is not None:
                yield from call.result.images


def fitted_images(
    conv: Conversation, provider: ProviderConfig, images: ImageLoader, drop: int = 0
) -> list[tuple[ImageRef, Picture]]:
    """The images of the next request that are scaled to the provider's limits, each
    with the picture sent in its place (missing and in-limit images are not listed).

    Call it before `build_request` to tell the user (see `scaled_notice`); the fitting
    it does is kept for the request. A front end usually names only the images of the
    message being sent (`conv.messages[-1]`): earlier ones were named when they went.
    """
    limits = limits_for(provider.kind)
    out: list[tuple[ImageRef, Picture]] = []
    for message in conv.messages[drop:]:
        for ref in message_images(message):
            if within_limits(ref, limits):
                continue
            picture = fitted(ref, limits, images)
            if not isinstance(picture, str):
                out.append((ref, picture))
    return out


def scaled_notice(ref: ImageRef, picture: Picture, provider: str) -> str:
    """One sentence for the user: `photo.png was scaled down to 2048\u00d71536 for openai.`"""
    changed = picture.media_type != ref.media_type
    as_what = f" (as {picture.media_type.removeprefix('image/').upper()})" if changed else ""
    size = f"{picture.width}\u00d7{picture.height}"  # the multiplication sign
    return f"{ref.name} was scaled down to {size}{as_what} for {provider}."
