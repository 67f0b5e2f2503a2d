"""The streams behind a logs view: one source per container, read by thread workers into one
incoming queue, older lines and the whole log read again on demand.

No widget here (toolong's LineReader beside its LogLines): the logs screen runs `read` in its
workers, takes what came in on a timer and draws it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from tui.engine.backend import DashboardBackend
from tui.engine.containers import ContainerInfo
from tui.engine.logs.merge import whole_logs
from tui.engine.logs.query import LogWindow
from tui.engine.logs.sources import LogSource, read_older
from tui.engine.logs.stream import LogLine

COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan", "orange3")


@dataclass(frozen=True)
class StreamEnd:
    """One container's stream ended: stopped or removed, the engine gone, or an error."""

    source: LogSource
    engine_up: bool
    error: str = ""


class LogFollower:
    """The containers one logs view follows (several are merged by time)."""

    def __init__(
        self, backend: DashboardBackend, infos: Sequence[ContainerInfo], max_lines: int
    ) -> None:
        """Follow `infos` on `backend`, holding at most `max_lines` lines not yet taken."""
        self.backend = backend
        self.merged = len(infos) > 1
        self.sources = [
            LogSource(info, COLOURS[n % len(COLOURS)], info.name if self.merged else "")
            for n, info in enumerate(infos)
        ]
        # Filled by the workers, taken by the view; a new window gets a new one.
        self.incoming: deque[LogLine] = deque(maxlen=max_lines)

    def starting(self, window: LogWindow) -> list[LogSource]:
        """The sources to follow from now on, with the window's history."""
        exhausted = window.tail is None and window.since_s is None
        for source in self.sources:
            source.exhausted = exhausted or source.exhausted
        return self.sources

    def restart(self) -> None:
        """Forget what was read (another window): new sources, and a new queue that the old
        workers do not write to."""
        self.close()
        self.incoming = deque(maxlen=self.incoming.maxlen)
        self.sources = [LogSource(s.info, s.colour, s.name) for s in self.sources]

    def close(self) -> None:
        """Close every stream (their workers' loops then end)."""
        for source in self.sources:
            source.closed = True
            stream, source.stream = source.stream, None
            if stream is not None:
                stream.close()

    def read(
        self,
        source: LogSource,
        incoming: deque[LogLine],
        tail: int | str,
        since: float | None,
        cancelled: Callable[[], bool],
    ) -> StreamEnd | None:
        """A follow worker's loop: one container's lines into `incoming` until its stream ends
        or closes; how it ended (None: closed on purpose, or for a queue no longer read)."""
        try:
            stream = source.open(self.backend, follow=True, tail=tail, since=since)
        except Exception as exc:
            return StreamEnd(source, self.backend.ping(), error=str(exc))
        source.stream = stream
        if source.closed:  # the view went away (or changed window) while the stream opened
            stream.close()
            return None
        for line in stream:
            if cancelled():
                break
            incoming.append(line)
        if cancelled() or incoming is not self.incoming:
            return None
        return StreamEnd(source, self.backend.ping())

    def take(self) -> list[LogLine]:
        """The lines that came in since the last take, counted per container."""
        lines = []
        while self.incoming:
            lines.append(self.incoming.popleft())
        by_name = {source.name: source for source in self.sources}
        for line in lines:
            source = by_name.get(line.source)
            if source is not None:
                source.received += 1
                if source.oldest is None:  # where older lines end
                    source.oldest = line
        return lines

    def ended(self, end: StreamEnd) -> str:
        """Note why a stream ended; what the view says of it ("" while others go on)."""
        source = end.source
        if end.error:
            source.ended = f"cannot read logs: {end.error}"
        elif end.engine_up:
            source.ended = "stream ended (container stopped)"
        else:
            source.ended = "engine went away"
        if not self.merged:
            return source.ended
        return "every stream ended" if all(s.ended for s in self.sources) else ""

    def resumable(self) -> list[LogSource]:
        """The engine is back: the sources whose stream ended, ready to follow again (a line
        says so in the log)."""
        ended = [source for source in self.sources if source.ended]
        if ended:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())
            marker = "--- engine reconnected: following again ---"
            self.incoming.append(LogLine("stdout", marker, stamp, ""))
        for source in ended:
            source.ended, source.closed = "", False
        return ended

    def wanting_older(self) -> list[LogSource]:
        """The sources that may have lines before their oldest one read."""
        return [s for s in self.sources if not s.exhausted and s.oldest is not None]

    def read_older(
        self, sources: list[LogSource], since: float | None, page: int
    ) -> tuple[list[LogLine], list[LogSource]]:
        """Up to `page` lines before each source's oldest one; and the sources with no more."""
        return read_older(self.backend, sources, since, page)

    def took_older(self, older: list[LogLine], kept: list[LogLine]) -> None:
        """Older lines went in front (`kept` of them, the buffer's bound cutting the rest)."""
        for source in self.sources:
            mine = [line for line in kept if line.source == source.name]
            source.received += len(mine)
            source.oldest = mine[0] if mine else source.oldest
            if len(mine) < sum(1 for line in older if line.source == source.name):
                source.exhausted = False  # cut by the bound: there is more

    def whole(self) -> Iterator[LogLine]:
        """Every line of every container, read again from the engine, merged by time."""
        return whole_logs(self.backend, self.sources)
