"""A program run in a terminal of a given size (a pseudo-terminal), its output read and dropped.

The dashboard and `docker stats` are measured where they are used: writing to a terminal,
which costs the dashboard the conversion of each screen update to escape codes (a headless
Textual app skips it). Whatever they write is read here and thrown away, as fast as it comes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import subprocess
import termios
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def parse_size(text: str) -> tuple[int, int]:
    """'200x50' -> (200, 50): columns and rows."""
    columns, _, rows = text.partition("x")
    return int(columns), int(rows)


def _drain(master: int) -> None:
    with contextlib.suppress(OSError):  # EIO once the program's side closes
        while os.read(master, 65536):
            pass


@contextmanager
def in_terminal(
    command: Sequence[str],
    size: tuple[int, int],
    *,
    log: Path,
    pass_fds: Sequence[int] = (),
    env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `command` with a terminal of `size` as stdin and stdout (stderr to `log`).

    On leaving, the program is killed if it still runs (its process group too).
    """
    master, slave = os.openpty()
    columns, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    environment = {**os.environ, "TERM": "xterm-256color", **(env or {})}
    for name in ("COLUMNS", "LINES"):  # the terminal's own size, not the caller's
        environment.pop(name, None)
    with log.open("ab") as errors:
        process = subprocess.Popen(
            list(command),
            stdin=slave,
            stdout=slave,
            stderr=errors,
            pass_fds=tuple(pass_fds),
            env=environment,
            start_new_session=True,
        )
    os.close(slave)
    reader = threading.Thread(target=_drain, args=(master,), daemon=True)
    reader.start()
    try:
        yield process
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 9)
        process.wait(timeout=30)
        reader.join(timeout=5)  # it ends when the terminal's last user does
        os.close(master)
