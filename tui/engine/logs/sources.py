"""The containers a log view follows: their streams, how much was read, and older lines.

The engine has no "lines before this one" call (`until` applies after `tail`), so older lines
come from a longer tail: as many lines as were read already, plus a page. That reads from the end
of the log and never the whole of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tui.engine.containers import ContainerInfo
from tui.engine.logs.query import older_than
from tui.engine.logs.stream import LogLine
from tui.engine.streams import Stream


class LogReader(Protocol):
    """What log sources need of a backend (`DashboardBackend` is one)."""

    def logs(
        self,
        container_id: str,
        *,
        follow: bool,
        tail: int | str,
        tty: bool,
        since: float | None = None,
        source: str = "",
    ) -> Stream[LogLine]:
        """The logs of one container: the last `tail` lines ("all"), none before `since`."""
        ...


@dataclass(eq=False)
class LogSource:
    """One container whose logs a view follows (`name` is stamped on its lines when merged)."""

    info: ContainerInfo
    colour: str
    name: str = ""
    stream: Stream[LogLine] | None = None
    closed: bool = False  # closed on purpose (window change, view gone)
    ended: str = ""
    received: int = 0  # lines read for it, counted from the end of its log
    oldest: LogLine | None = None
    exhausted: bool = False  # nothing older in the window

    def open(
        self, backend: LogReader, *, follow: bool, tail: int | str, since: float | None
    ) -> Stream[LogLine]:
        """Its logs from the engine."""
        info = self.info
        return backend.logs(
            info.id, follow=follow, tail=tail, tty=info.tty, since=since, source=self.name
        )


def read_older(
    backend: LogReader, sources: list[LogSource], since: float | None, page: int
) -> tuple[list[LogLine], list[LogSource]]:
    """Up to `page` lines before each source's oldest line; and the sources with no more."""
    older: list[LogLine] = []
    done: list[LogSource] = []
    for source in sources:
        if source.oldest is None:
            continue
        tail = source.received + page
        response = list(source.open(backend, follow=False, tail=tail, since=since))
        if len(response) < tail:
            done.append(source)
        older.extend(older_than(response, source.oldest))
    return older, done
