"""Make model text safe to show on a terminal: control characters become visible.

A model can emit escape sequences (clear screen, OSC 52 clipboard writes, hyperlinks);
shown raw they would drive the terminal. Here every control character except newline and
tab is replaced by a visible stand-in, so the text reads the same and does nothing.
"""

from __future__ import annotations

_CONTROL_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_CONTROL_PICTURES[0x7F] = "\u2421"  # ␡
for _code in range(0x80, 0xA0):
    _CONTROL_PICTURES[_code] = f"<{_code:02x}>"
del _CONTROL_PICTURES[ord("\n")]
del _CONTROL_PICTURES[ord("\t")]
_TABLE = str.maketrans({chr(k): v for k, v in _CONTROL_PICTURES.items()})


def make_inert(text: str) -> str:
    """`text` with C0/C1 controls (but newline and tab) shown as visible symbols."""
    if text.isprintable():
        return text
    return text.translate(_TABLE)
