"""`tui-chat ask -f PATH`: the files of a question, text files and images mixed.

Every file is read and checked before anything is sent or saved. An image's bytes are
kept as a blob before the request leaves; with `--no-save` they stay in memory, and the
request reads them from there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tui.attachments import AttachmentError, read_attachment
from tui.domain import Attachment, ImageRef
from tui.images import ImageError, Picture, claims_image, read_image, sniff
from tui.store import BlobStore

ReadImage = Callable[[ImageRef], bytes | None]
"""The bytes of an image of the conversation, or None when they are not to be had."""

_HEAD = 16
"""Bytes enough to recognise every image format by its start."""


class AskFileError(Exception):
    """A file that cannot go with the question, said in one sentence naming it."""


@dataclass(slots=True)
class QuestionFiles:
    """What `-f` gave: text attachments and images, in the order named."""

    attachments: list[Attachment] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)
    data: dict[str, bytes] = field(default_factory=dict)
    """Each image's bytes by sha256 (until kept as a blob, and for `--no-save`)."""

    def keep(self, blobs: BlobStore | None, warn: Callable[[str], None]) -> ReadImage:
        """Store every image in `blobs` (None: keep them in memory only) and return how
        the request reads them: from the blobs, else from memory. A blob that cannot be
        written is warned about; the image is still sent."""
        if blobs is None:
            return self.read
        for ref in self.images:
            try:
                blobs.put(self.data[ref.sha256], ref.media_type)
            except OSError as exc:
                warn(f"{ref.name} could not be kept: {exc.strerror or exc}")
        return lambda ref: blobs.read(ref) or self.read(ref)

    def read(self, ref: ImageRef) -> bytes | None:
        """The bytes of `ref` as read from its file."""
        return self.data.get(ref.sha256)


def is_image_file(path: Path, shown_as: str) -> bool:
    """Whether a file is to be read as an image: its name says so, or its bytes do."""
    if claims_image(shown_as) or claims_image(path.name):
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
    except OSError:
        return False  # reading it as text says why it cannot be read
    return sniff(head) is not None


def read_question_files(names: list[str], limit: int) -> QuestionFiles:
    """Read every `-f` file: images decoded, the others as text of at most `limit` bytes.

    Raises:
        AskFileError: a file is missing, unreadable, binary but no image, too large, or
            claims to be an image and does not decode.
    """
    files = QuestionFiles()
    for name in names:
        path = Path(name)
        try:
            if is_image_file(path, name):
                picture = read_image(path, name)
                ref = _ref(picture, name)
                files.images.append(ref)
                files.data[ref.sha256] = picture.data
            else:
                files.attachments.append(read_attachment(path, name, limit))
        except (AttachmentError, ImageError) as exc:
            raise AskFileError(str(exc)) from None
    return files


def _ref(picture: Picture, name: str) -> ImageRef:
    return picture.ref(hashlib.sha256(picture.data).hexdigest(), name)
