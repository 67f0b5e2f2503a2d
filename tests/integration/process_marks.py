"""Find every process a test started, however deep, by a mark in its environment.

A test starts a dashboard (or a server) with `LAB_TEST_MARK=<random>` in its environment; every
process it starts inherits it (a session's app, QEMU, a docker or gpg child), so "nothing is
left" means no live process carries the mark.
"""

from __future__ import annotations

import time

import psutil

MARK = "LAB_TEST_MARK"
BOUND = 30.0  # generous on a loaded machine; the design ends everything in under 5 s


def marked(mark: str, *, but: int | None = None) -> list[str]:
    """Command lines of live processes whose environment carries `mark` (but one pid)."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline", "status"]):
        if process.info["pid"] == but or process.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        try:
            if process.environ().get(MARK) == mark:
                found.append(" ".join(process.info["cmdline"] or [])[:120])
        except psutil.Error:
            continue
    return found


def none_left(mark: str, *, but: int | None = None, seconds: float = BOUND) -> None:
    """Wait until no process carries `mark` (AssertionError naming them after `seconds`)."""
    deadline = time.monotonic() + seconds
    while left := marked(mark, but=but):
        assert time.monotonic() < deadline, f"left running: {left}"
        time.sleep(0.1)


def kill_marked(mark: str) -> None:
    """SIGKILL whatever carries `mark` (a test that failed midway)."""
    for process in psutil.process_iter(["pid"]):
        try:
            if process.environ().get(MARK) == mark:
                process.kill()
        except psutil.Error:
            continue
