"""Where saved log lines go: to the viewer's browser when the dashboard is served, else to a
file on this machine through the app's LogFiles (which a read-only app gets refusing).

A browser session must not write on the server: whoever holds the page is not whoever runs the
dashboard (often root). Textual's `deliver_text`/`deliver_binary` hand the lines to the
browser as a download; nothing is written here (the whole log is spooled in an unnamed
temporary file, gone when closed).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

from textual.app import App
from textual.message import Message

MIME = "text/plain"


@dataclass(eq=False)
class WholeLogSpooled(Message):
    """The whole log was read into `spool` (`count` lines) for delivery, or `error` says why not."""

    file_name: str
    spool: BinaryIO | None
    count: int = 0
    error: str = ""


def deliver_lines(app: App[Any], file_name: str, lines: Iterable[str]) -> int:
    """Send `lines` to the viewer's browser as `file_name`; how many were sent."""
    text = [f"{line}\n" for line in lines]
    app.deliver_text(
        io.StringIO("".join(text)), save_filename=file_name, mime_type=MIME, encoding="utf-8"
    )
    return len(text)


def spool_lines(lines: Iterable[str]) -> tuple[BinaryIO, int]:
    """The lines in an unnamed temporary file (deleted on close), rewound; and their count.

    A whole log can be larger than memory should hold; if reading it fails, the file is closed
    and the error raised.
    """
    spool: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 (the delivery closes it)
    count = 0
    try:
        for line in lines:
            spool.write(line.encode("utf-8", "replace") + b"\n")
            count += 1
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool, count


def deliver_spool(app: App[Any], message: WholeLogSpooled) -> None:
    """Send a spooled whole log to the viewer's browser (the delivery closes the file)."""
    if message.spool is not None:
        app.deliver_binary(message.spool, save_filename=message.file_name, mime_type=MIME)
