"""Logs of several containers merged into one time order (a compose project's logs).

Each line carries its container's name (`LogLine.source`); `order_key` (beside `LogLine`) sorts
by the engine's timestamps. Lines that are followed live arrive per container, in batches, and
`merge_into` puts each batch in place; `whole_logs` reads every line of every source again, for
saving, and merges the streams as they are read.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator

from tui.engine.logs.sources import LogReader, LogSource
from tui.engine.logs.stream import LogLine, order_key


def merge_into(lines: deque[LogLine], batch: list[LogLine]) -> bool:
    """Add `batch` to time-ordered `lines`, keeping the order; True if some went in between.

    Lines of several containers arrive per container, so a batch may be older than lines
    already held: only the held lines newer than the batch are taken out and merged again.
    """
    batch.sort(key=order_key)
    if not batch:
        return False
    if not lines or order_key(lines[-1]) <= order_key(batch[0]):
        lines.extend(batch)
        return False
    first = order_key(batch[0])
    newer: list[LogLine] = []
    while lines and order_key(lines[-1]) > first:
        newer.append(lines.pop())
    newer.reverse()
    lines.extend(heapq.merge(newer, batch, key=order_key))
    return True


def whole_logs(backend: LogReader, sources: list[LogSource]) -> Iterator[LogLine]:
    """Every line of every source from the engine, merged by time."""
    streams = [source.open(backend, follow=False, tail="all", since=None) for source in sources]
    if len(streams) == 1:
        return iter(streams[0])
    return heapq.merge(*streams, key=order_key)
