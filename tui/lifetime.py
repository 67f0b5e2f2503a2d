"""How a dashboard process ends: soon, and without leaving what it started running.

An ending begins with a signal (SIGTERM, SIGHUP, SIGINT), the terminal or the server's pipe
going away (poll says POLLHUP on stdin), or the app quitting. From then on:

- what the app registered in `HOLDS` (the lesson's units, a training run and its key copy) is
  stopped at once, in threads of its own;
- the app is asked to exit in an orderly way (it may be busy, or blocked writing to a terminal
  that is gone: Textual's writer thread dies on EIO and the next writes wait forever);
- after GRACE_SECONDS + STOP_SECONDS the process ends with `os._exit`, whatever it is doing,
  once its holds are stopped or their time is up.

Only SIGKILL of the process skips all this (see the README for what is left then). A served
session (`--serve`) also dies with its server: PR_SET_PDEATHSIG sends it SIGTERM, and its
stdin (the server's pipe) reports POLLHUP. No Textual here: the app hands in a callback.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import select
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

SESSION_ENV = "CONTAINER_LAB_SESSION_OF"  # set by --serve for its session apps: the server's pid
MEMORY_ENV = "CONTAINER_LAB_SESSION_MEMORY"  # their address-space bound, in bytes
GRACE_SECONDS = 2.0  # for the app's own orderly exit
STOP_SECONDS = 2.5  # then for what it started; 4.5 s in all, under the 5 s promised
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
PR_SET_PDEATHSIG = 1


@dataclass
class Hold:
    """Something the process started that must end with it."""

    stop: Callable[[], None]
    until_released: bool  # stopped only once released (its owner cleans up), not on return
    released: threading.Event


class Holds:
    """What must be stopped before the process ends, by key (a lesson, a training run)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.held: dict[object, Hold] = {}

    def hold(self, key: object, stop: Callable[[], None], *, until_released: bool = False) -> None:
        """Register `stop` for `key` (it must be safe to call from any thread, more than once)."""
        with self.lock:
            self.held[key] = Hold(stop, until_released, threading.Event())

    def release(self, key: object) -> None:
        """`key` is gone (stopped, finished): nothing to do for it at the end."""
        with self.lock:
            hold = self.held.pop(key, None)
        if hold is not None:
            hold.released.set()

    @contextlib.contextmanager
    def holding(self, key: object, stop: Callable[[], None]) -> Iterator[None]:
        """Hold `key` while the block runs; an ending stops it and waits for the block's end."""
        self.hold(key, stop, until_released=True)
        try:
            yield
        finally:
            self.release(key)

    def stop_all(self, seconds: float) -> bool:
        """Stop every hold at once, each in a thread; True if all were done within `seconds`."""
        with self.lock:
            holds = list(self.held.values())
        deadline = time.monotonic() + seconds
        waits: list[tuple[Hold, threading.Thread]] = []
        for hold in holds:
            worker = threading.Thread(target=_quietly, args=(hold.stop,), daemon=True)
            worker.start()
            waits.append((hold, worker))
        done = True
        for hold, worker in waits:
            left = max(0.0, deadline - time.monotonic())
            if hold.until_released:
                done = hold.released.wait(left) and done
            else:
                worker.join(left)
                done = not worker.is_alive() and done
        return done


HOLDS = Holds()  # this process's
_installed: Ending | None = None  # this process's ending, once installed


def installed() -> Ending | None:
    """The ending installed in this process (the CLI installs it first thing), if any."""
    return _installed


def _quietly(stop: Callable[[], None]) -> None:
    with contextlib.suppress(Exception):
        stop()


class Ending:
    """Signals, a lost terminal and quitting all end the process within GRACE + STOP seconds."""

    def __init__(
        self,
        request_exit: Callable[[int], object] | None = None,
        holds: Holds = HOLDS,
        grace: float = GRACE_SECONDS,
        stop: float = STOP_SECONDS,
    ) -> None:
        """`request_exit(code)` asks the app to exit, from any thread (the app sets it once
        its loop runs; it may never get to it)."""
        self.request_exit = request_exit
        self.holds = holds
        self.grace, self.stop = grace, stop
        self.begun = threading.Event()
        self.code = 0

    def install(self) -> Ending:
        """Catch the exit signals, watch stdin for a hang-up, and start the thread that ends
        the process once an ending has begun (main thread only; before the app starts, so a
        terminal gone during start-up is noticed too)."""
        global _installed
        _installed = self
        self.catch_signals()
        threading.Thread(target=self.end_when_begun, daemon=True).start()
        if watchable(0):
            threading.Thread(target=self.watch_hangup, args=(0,), daemon=True).start()
        return self

    def catch_signals(self) -> None:
        """Take the exit signals back (again after Textual's web driver took SIGINT/SIGTERM)."""
        for sig in EXIT_SIGNALS:
            # A Python-level handler, not the event loop's: it runs even while the loop is busy.
            signal.signal(sig, self.on_signal)

    def on_signal(self, sig: int, frame: object) -> None:
        """An exit signal: end with the shell's status for it."""
        self.begin(128 + sig)

    def watch_hangup(self, fd: int) -> None:
        """Wait, without reading, until `fd` hangs up (terminal closed, server gone)."""
        poller = select.poll()
        poller.register(fd, 0)  # no events asked: only POLLHUP, POLLERR and POLLNVAL come
        while not self.begun.is_set():
            if poller.poll(1000):
                self.begin(128 + signal.SIGHUP)
                return

    def begin(self, code: int) -> None:
        """Start ending (once) with exit status `code`, and ask the app to exit.

        Safe in a signal handler: it sets an event and queues a callback, nothing else (the
        threads that do the work were started by install()).
        """
        if self.begun.is_set():
            return
        self.code = code
        self.begun.set()
        if self.request_exit is not None:
            with contextlib.suppress(Exception):  # the app's loop may be closed already
                self.request_exit(code)

    def end_when_begun(self) -> None:
        """Stop the holds at once; past the grace, end the process once they are stopped or
        out of time. A normal exit that comes first ends this daemon thread with it."""
        self.begun.wait()
        began = time.monotonic()
        budget = self.grace + self.stop
        stopper = threading.Thread(target=self.holds.stop_all, args=(budget,), daemon=True)
        stopper.start()
        if self.request_exit is not None:  # an app runs: it may exit in an orderly way first
            time.sleep(self.grace)
        stopper.join(max(0.0, began + budget - time.monotonic()))
        os._exit(self.code)


def watchable(fd: int) -> bool:
    """True for a terminal (a character device: isatty() is already False for one hung up),
    a pipe or a socket: what can hang up. A regular file cannot."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def join_served_session(environ: dict[str, str] | None = None) -> None:
    """In an app `--serve` started: die with the server, and stay within the memory bound."""
    env = os.environ if environ is None else environ
    server = env.pop(SESSION_ENV, None)  # the app's own children are no sessions
    if server is None:
        return
    memory = env.pop(MEMORY_ENV, None)
    if memory and memory.isdigit():
        # The soft limit only: QEMU (the lesson's VM) raises its own back to the hard one.
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (int(memory), hard))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if str(os.getppid()) != server:  # the server died before the line above
        os.kill(os.getpid(), signal.SIGTERM)
