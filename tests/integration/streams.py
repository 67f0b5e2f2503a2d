"""Reading a blocking engine stream in a test, bounded: wait on a condition, then close it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

T = TypeVar("T")


class Closable(Protocol):
    def close(self) -> None: ...


def collect_until(
    stream: Iterable[T], done: Callable[[list[T]], bool], timeout: float = 30.0
) -> tuple[list[T], bool]:
    """Items read until `done(items)` or `timeout`; then the stream is closed from this thread.

    The reader keeps reading after `done`, so the close has to interrupt a blocked read, as
    the dashboard's does when a view goes away. Returns a snapshot of the items at `done` and
    whether the reader thread ended (bounded) once the stream was closed.
    """
    items: list[T] = []
    snapshot: list[T] = []
    reached = threading.Event()

    def read() -> None:
        for item in stream:
            items.append(item)
            if not reached.is_set() and done(items):
                snapshot.extend(items)
                reached.set()
        reached.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reached.wait(timeout)
    closable: Closable = stream  # type: ignore[assignment]
    closable.close()
    reader.join(timeout)
    return (snapshot or list(items)), not reader.is_alive()
