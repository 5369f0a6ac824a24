"""A small incremental Server-Sent Events parser: bytes in, each event's `data` out.

Lines end at CR, LF or CRLF (and nowhere else: a U+2028 inside a JSON string is data).
Comment lines (`: ...`) and fields other than `data` are ignored; an event is dispatched
at a blank line, so an event cut off by the end of the stream is never dispatched.
"""

from __future__ import annotations

import re

_LINE_END = re.compile(rb"\r\n|\r|\n")


class SSEParser:
    """Feed network reads in order; get back the data of every event they complete."""

    def __init__(self) -> None:
        self._partial: list[bytes] = []
        """The start of a line whose end has not arrived yet."""
        self._data: list[str] = []
        """The `data` lines of the event being read."""
        self._skip_lf = False
        """The last read ended with CR: a LF at the start of the next one belongs to it."""

    def feed(self, chunk: bytes) -> list[str]:
        """The data of each event completed by `chunk` (usually one JSON document)."""
        if self._skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._skip_lf = False
        if b"\n" not in chunk and b"\r" not in chunk:
            if chunk:
                self._partial.append(chunk)
            return []
        if self._partial:
            self._partial.append(chunk)
            chunk = b"".join(self._partial)
            self._partial.clear()
        events: list[str] = []
        start = 0
        for match in _LINE_END.finditer(chunk):
            self._line(chunk[start : match.start()], events)
            start = match.end()
        if start < len(chunk):
            self._partial.append(chunk[start:])
        else:
            self._skip_lf = chunk.endswith(b"\r")
        return events

    def _line(self, line: bytes, events: list[str]) -> None:
        if not line:
            if self._data:
                events.append("\n".join(self._data))
                self._data.clear()
            return
        if line.startswith(b":"):
            return
        name, _, value = line.partition(b":")
        if name == b"data":
            if value.startswith(b" "):
                value = value[1:]
            self._data.append(value.decode("utf-8", errors="replace"))
