"""Text from the engine or from files is data, never terminal commands: `printable()`.

A container's log line, name or label, a network's name, a tar member's name can carry ESC
sequences (OSC 52 sets the clipboard, OSC 0 the window title, CSI moves the cursor) and C1
controls (U+009B is a one-character CSI for some terminals). Every such character becomes a
visible stand-in of the same length: C0 controls and DEL their Unicode control pictures (ESC
shows as ␛), C1 controls and the invisible bidirectional overrides (which reorder what a
terminal shows) U+FFFD. Same length, so the spans of a styled text still line up.

No imports of the rest of tui: the engine, the lab, the CLI and the views all use it.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

_C0 = {code: 0x2400 + code for code in range(0x20)}  # ␀ … ␟ (ESC is ␛)
_OTHERS = {
    0x7F: 0x2421,  # ␡
    **dict.fromkeys(range(0x80, 0xA0), 0xFFFD),  # C1 controls
    # bidirectional embeddings, overrides and isolates; line and paragraph separators
    **dict.fromkeys((0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)), 0xFFFD),
}
_TABLE = {**_C0, **_OTHERS}
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")
_TABLES: dict[str, dict[int, int]] = {}


def _table(keep: str) -> dict[int, int]:
    table = _TABLES.get(keep)
    if table is None:
        table = {code: to for code, to in _TABLE.items() if chr(code) not in keep}
        _TABLES[keep] = table
    return table


def printable(text: str, keep: str = "") -> str:
    """`text` with every control character shown as a stand-in; those in `keep` (e.g. "\\n")
    stay. Fast when there is nothing to replace (the common case): one regex scan."""
    if not _UNSAFE.search(text):
        return text
    return text.translate(_table(keep))


def printable_data(value: object) -> object:
    """A JSON-like document (dicts, lists, strings) with every string, keys too, printable."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable_data(k): printable_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable_data(item) for item in value]
    return value


class PrintableStream:
    """A text stream that writes what it is given through `printable()` (newlines and tabs kept).

    The CLI puts sys.stdout and sys.stderr behind one each, so no command prints an engine's or
    an archive's control characters to the terminal, whichever module prints.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        """Write `text`, controls replaced; returns the length given (as TextIO does)."""
        self.stream.write(printable(text, keep="\n\t"))
        return len(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


def guard_output() -> None:
    """Put sys.stdout and sys.stderr behind PrintableStream (once)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, PrintableStream):
            setattr(sys, name, PrintableStream(stream))
