"""A lesson's guardian: a small process that undoes what a lesson made if its runner is killed.

A dashboard killed with SIGKILL runs no code of its own, and a class watching read-only changes
nothing. So a lesson starts its guardian, in a session of its own (a terminal's hang-up or
Ctrl+C does not reach it), with a pipe on its stdin. The lesson tells it what it changes as it
goes (one line each) and says `done` once it has undone it all; a pipe that closes without
`done` means the runner died, and the guardian undoes what it was told.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading

DONE = "done"


class PipeGuardian:
    """The runner's end of the pipe to `python -m MODULE ARGS...`."""

    def __init__(self, module: str, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # not in the terminal's process group: it outlives a ^C
            close_fds=True,  # it must not hold the lesson's claim (tui/published.py) open
        )
        self._lock = threading.Lock()

    def say(self, line: str) -> None:
        """Tell the guardian one thing (any thread; a guardian gone is no news here)."""
        stdin = self.process.stdin
        with self._lock, contextlib.suppress(OSError, ValueError):
            if stdin is not None and not stdin.closed:
                stdin.write(f"{line}\n".encode())
                stdin.flush()

    def done(self) -> None:
        """Everything is undone: the guardian leaves without doing anything (idempotent)."""
        self.say(DONE)
        stdin = self.process.stdin
        with self._lock, contextlib.suppress(OSError):
            if stdin is not None:
                stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


def told() -> list[str] | None:
    """The guardian's side: every line its runner said, until the pipe closed; None when the
    last one was `done` (nothing to undo). SIGINT and SIGHUP are ignored from here on."""
    import signal

    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)  # only the pipe's end stops it
    lines = sys.stdin.buffer.read().decode(errors="replace").splitlines()
    return None if lines and lines[-1] == DONE else lines
