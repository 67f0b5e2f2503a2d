"""A program on a pseudo-terminal, driven as a person would: keys in, the screen's bytes out.

The bytes are kept as written (`raw()`), so a test can check what reached the terminal, escape
sequences included; `text()` strips them to read the screen.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import threading
import time
from fcntl import ioctl
from pathlib import Path

# CSI sequences, OSC strings, DCS/APC/PM strings and two-byte escapes
ANSI = re.compile(
    rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)"
)
SCRIPT = Path(sys.executable).parent / "container-lab"


class Terminal:
    """A program on a pty: write keys, wait for text to appear on its screen."""

    def __init__(
        self,
        argv: list[str],
        rows: int = 40,
        columns: int = 160,
        env: dict[str, str] | None = None,
    ) -> None:
        size = struct.pack("HHHH", rows, columns, 0, 0)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the program, on a terminal of the size asked
            # Set here, before exec: set from the parent, it raced the program's first look at
            # its size, which under load then drew at 80x24 and cut the lines tests looked for.
            # COLUMNS and LINES too: shutil.get_terminal_size (Textual's) reads them first, and
            # pytest's own may be in the environment.
            ioctl(0, termios.TIOCSWINSZ, size)
            os.environ.update(COLUMNS=str(columns), LINES=str(rows))
            os.environ.update(env or {})
            os.environ["TERM"] = "xterm-256color"
            os.execv(argv[0], argv)
        ioctl(self.fd, termios.TIOCSWINSZ, size)
        self.output = bytearray()
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        # Never blocked in read(): a read in progress holds the pty open, so closing the fd
        # from another thread would not hang the terminal up until the program wrote again.
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        while not self.closing.is_set():
            if not poller.poll(50):
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.output += data

    def raw(self, since: int = 0) -> bytes:
        """Every byte the program wrote after byte `since`, escape sequences and all."""
        with self.lock:
            return bytes(self.output[since:])

    def text(self, since: int = 0) -> str:
        """What the program wrote after byte `since`, escape sequences removed."""
        with self.lock:
            raw = bytes(self.output[since:])
        return ANSI.sub(b"", raw).decode(errors="replace")

    def mark(self) -> int:
        """A position in the output, to look only at what comes after it."""
        with self.lock:
            return len(self.output)

    def expect(self, needle: str, since: int = 0, seconds: float = 60) -> None:
        """Wait until `needle` appears after `since`; fail with the screen's tail if not."""
        deadline = time.monotonic() + seconds
        while needle not in self.text(since):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{needle!r} never appeared; tail: {self.text(since)[-1500:]!r}"
                )
            time.sleep(0.05)

    def send(self, keys: str) -> None:
        """Type `keys`, one write per key, as a person would."""
        for key in keys:
            os.write(self.fd, key.encode())
            time.sleep(0.02)

    def wait(self, seconds: float) -> int | None:
        """The exit status once the program ends, or None after `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        return None

    def hang_up(self) -> None:
        """Close the terminal, as closing its window does: the kernel hangs it up at once."""
        if not self.closing.is_set():
            self.closing.set()
            self.reader.join()
            os.close(self.fd)

    def kill(self) -> None:
        """End the program if it still runs."""
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self.hang_up()
