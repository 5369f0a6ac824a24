"""A conversation as a Markdown document, for files and the clipboard.

Nothing here touches the disk: an export to a file is the Markdown and the image files
to write beside it (`MarkdownExport`), the blobs read through a function the caller
passes in, and the caller's own writer puts them in place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from tui.domain import ChatMessage, Conversation, ImageRef, Role, ToolCallRecord

ReadBlob = Callable[[ImageRef], bytes | None]
"""The bytes of an image, or None when its blob is missing."""
ImageLine = Callable[[ImageRef], str]
"""How one image is written: a Markdown line."""

_SUFFIX = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


@dataclass(slots=True)
class MarkdownExport:
    """A conversation exported to a file: its Markdown and the images to put beside it."""

    text: str
    files: dict[str, bytes] = field(default_factory=dict)
    """Image bytes by path relative to the folder of the `.md` file."""

    def write(self, path: Path, write_bytes: Callable[[Path, bytes], None]) -> None:
        """Write the images, then the Markdown to `path`, with `write_bytes` (which
        creates folders as needed, e.g. `atomic_write_bytes`)."""
        for relative, data in self.files.items():
            write_bytes(path.parent / relative, data)
        write_bytes(path, self.text.encode("utf-8"))


def export_markdown(conv: Conversation, file_name: str, read_blob: ReadBlob) -> MarkdownExport:
    """The conversation as the file `file_name` (e.g. `notes.md`): each image copied
    into `<stem>.images/<sha256[:12]>.<ext>` beside it and linked under its message; an
    image whose blob is missing is a line saying so."""
    folder = f"{Path(file_name).stem}.images"
    files: dict[str, bytes] = {}

    def line(image: ImageRef) -> str:
        relative = f"{folder}/{image.sha256[:12]}.{_SUFFIX.get(image.media_type, 'bin')}"
        if relative not in files:
            data = read_blob(image)
            if data is None:
                return f"*(image missing: {_plain(image.name)})*"
            files[relative] = data
        return f"![{_alt(image.name)}]({quote(relative)})"

    return MarkdownExport(_markdown(conv, line), files)


def conversation_markdown(conv: Conversation) -> str:
    """The whole conversation as Markdown: title, system prompt, then each message (an
    image as a line naming it: there is no file beside the text to link to)."""
    return _markdown(conv, _image_note)


def _image_note(image: ImageRef) -> str:
    return f"*(image: {_plain(image.name)}, {image.width}x{image.height})*"


def _alt(name: str) -> str:
    """A name as the alt text of an image link (brackets and backslashes escaped)."""
    return re.sub(r"([\\\[\]])", r"\\\1", " ".join(name.split()))


def _plain(name: str) -> str:
    """A name inside `*(…)*`: on one line, its emphasis characters escaped."""
    return re.sub(r"([\\*_`])", r"\\\1", " ".join(name.split()))


def _images(images: list[ImageRef], line: ImageLine) -> list[str]:
    return [part for image in images for part in (line(image), "")]


def _markdown(conv: Conversation, image: ImageLine) -> str:
    lines = [f"# {conv.title}", ""]
    when = conv.created_at.strftime("%Y-%m-%d %H:%M UTC")
    lines += [f"*{conv.provider} · {conv.model} · {when}*", ""]
    if conv.system_prompt:
        lines += ["> **System prompt:** " + conv.system_prompt.replace("\n", "\n> "), ""]
    for message in conv.messages:
        if message.role is Role.USER:
            lines += ["## You", "", message.content, "", *_images(message.images, image)]
            continue
        who = " · ".join(p for p in (message.provider, message.model) if p) or "Assistant"
        lines += [f"## {who}", ""]
        lines += _reply_markdown(message, image)
        ending = message.finish_reason or "unfinished"
        if message.error:
            ending += f": {message.error}"
        tokens = ""
        if message.output_tokens is not None:
            tokens = f" · {message.input_tokens or 0} in / {message.output_tokens} out tokens"
        lines += [f"*{ending}{tokens}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def _reply_markdown(message: ChatMessage, image: ImageLine) -> list[str]:
    """A reply's rounds in order: each earlier round's text and calls, then the last's."""
    lines: list[str] = []
    for step in message.steps:
        lines += _reasoning(step.reasoning)
        if step.text:
            lines += [step.text, ""]
        for call in step.calls:
            lines += _call_markdown(call, image)
    lines += _reasoning(message.reasoning)
    if text := message.content or message.refusal:
        lines += [text, ""]
    for call in message.tool_calls:
        lines += _call_markdown(call, image)
    return lines


def _reasoning(text: str) -> list[str]:
    if not text:
        return []
    return ["<details><summary>Reasoning</summary>", "", text, "", "</details>", ""]


def _call_markdown(call: ToolCallRecord, image: ImageLine) -> list[str]:
    where = call.server
    if call.tool:
        where = f"{where}: `{call.tool}`" if where else f"`{call.tool}`"
    head = f"**Tool call** `{call.name}`" + (f" ({where})" if where else "")
    lines = [head, "", *_fenced(_pretty_json(call.arguments), "json"), ""]
    result = call.result
    if result is None:
        return [*lines, "*No result (the call did not run).*", ""]
    label = "**Result** (error)" if result.is_error else "**Result**"
    if result.duration_s is not None:
        label += f" · {result.duration_s:.2f} s"
    return [*lines, label, "", *_fenced(result.text, "text"), "", *_images(result.images, image)]


def _pretty_json(arguments: str) -> str:
    """The arguments indented, when they are JSON (else as the model wrote them)."""
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments


def _fenced(text: str, language: str) -> list[str]:
    """`text` in a code fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, text, fence]


def export_file_name(conv: Conversation) -> str:
    """A file name from the title: `why-is-the-sky-blue.md`."""
    slug = re.sub(r"[^a-z0-9]+", "-", conv.title.lower()).strip("-")[:60] or conv.id
    return f"{slug}.md"
