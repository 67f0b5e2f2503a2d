"""Ending a long command cleanly on SIGTERM, SIGHUP or SIGINT.

A killed `container-lab train` used to leave its container running and the run's copy of the key
on disk (swept only after 24 h). While `on_stop_signals` is in force the first of these signals is
recorded and starts `stop` on a thread of its own, so the handler returns at once and the command
goes on to clean up as it would after a cancel; it then exits with 128 + the signal. Later signals
are recorded nowhere: the cleanup is bounded, and cutting it short is what left things behind.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


@dataclass
class Stopped:
    """The stop signal that arrived, if any."""

    signal: int | None = None

    @property
    def name(self) -> str:
        """SIGTERM, SIGHUP or SIGINT ('' when none arrived)."""
        return signal.Signals(self.signal).name if self.signal else ""

    @property
    def exit_code(self) -> int:
        """128 + the signal, as a shell reports a command it ended."""
        return 128 + (self.signal or 0)


@contextmanager
def on_stop_signals(stop: Callable[[], None]) -> Iterator[Stopped]:
    """Handle the stop signals as the module docstring says (in the main thread only)."""
    stopped = Stopped()
    if threading.current_thread() is not threading.main_thread():
        yield stopped  # only the main thread may set handlers; its caller handles signals
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if stopped.signal is None:
            stopped.signal = signum
            threading.Thread(target=stop, name="stop on signal", daemon=True).start()

    previous = {number: signal.signal(number, handle) for number in STOP_SIGNALS}
    try:
        yield stopped
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
