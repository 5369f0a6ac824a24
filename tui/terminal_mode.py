"""Put the terminal in the app's input mode at process start, before Textual loads.

Until Textual's driver takes the terminal (about half a second in: importing Textual
and building the app come first), it is in cooked mode. Keys typed then wait in its
line buffer, which survives the switch to raw mode, but they are echoed onto the
shell's screen and Enter arrives as Ctrl+J (ICRNL), so an early Enter would add a
line instead of sending. Setting the flags Textual sets, at once, leaves only the
interpreter's own start (a few tens of ms) to cooked mode; the bytes typed during it
are counted, so that the app reads a Ctrl+J among them as the Enter it was.

Textual keeps the settings it finds (ours) and puts them back when it stops; the
original ones are restored after that, on the way out. Imports nothing heavy: it runs
before everything else.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress

_typed_cooked = 0


def typed_while_cooked() -> int:
    """How many bytes were waiting, typed in cooked mode, when `app_input_mode` began."""
    return _typed_cooked


@contextmanager
def app_input_mode() -> Iterator[None]:
    """Within the block, stdin (if a terminal) reads keys as Textual will: no echo,
    no line editing, no signals from keys, Enter as CR. The settings found are
    restored at the end."""
    global _typed_cooked
    stdin = sys.__stdin__  # what Textual's driver reads
    if sys.platform == "win32" or stdin is None or not stdin.isatty():
        yield
        return
    import fcntl
    import termios

    fd = stdin.fileno()
    try:
        found = termios.tcgetattr(fd)
    except termios.error:
        yield
        return
    mode = termios.tcgetattr(fd)
    # The same flags as textual.drivers.linux_driver (`_patch_lflag`, `_patch_iflag`).
    signals = 0 if os.environ.get("TEXTUAL_ALLOW_SIGNALS") else termios.ISIG
    mode[3] &= ~(termios.ECHO | termios.ICANON | termios.IEXTEN | signals)
    mode[0] &= ~(termios.IXON | termios.IXOFF | termios.ICRNL | termios.INLCR | termios.IGNCR)
    mode[6][termios.VMIN] = 1
    # TCSANOW, not TCSAFLUSH: what was typed already must stay in the input queue.
    termios.tcsetattr(fd, termios.TCSANOW, mode)
    # Asked after the switch: in cooked mode the count leaves out an unfinished line.
    with suppress(OSError):
        waiting = fcntl.ioctl(fd, termios.FIONREAD, struct.pack("i", 0))
        _typed_cooked = struct.unpack("i", waiting)[0]
    try:
        yield
    finally:
        with suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, found)
