"""What part of a log to read and show: a window (tail or since), a filter, older lines.

No Textual here: the logs screen uses these, and so do the tests and the benchmarks. Saving
lines to a file is tui/engine/logs/save.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tui.engine.logs.stream import LogLine, order_key
from tui.errors import LabError

DEFAULT_TAIL = 1000  # lines of history read when a log view opens
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")


class LogQueryError(LabError):
    """A filter or window the user typed that cannot be used (the message says why)."""


@dataclass(frozen=True)
class LogWindow:
    """Which history to read: the last `tail` lines (None: all), or those of the last `since_s`."""

    tail: int | None = DEFAULT_TAIL
    since_s: float | None = None

    def describe(self) -> str:
        """The window as the user would type it: `1000`, `10m`, `all`."""
        if self.since_s is not None:
            return _duration_text(self.since_s)
        return "all" if self.tail is None else str(self.tail)

    def since(self, now: float | None = None) -> float | None:
        """The Unix time the window starts at (None for a line-count window)."""
        if self.since_s is None:
            return None
        return (time.time() if now is None else now) - self.since_s

    def engine_tail(self, bound: int) -> int | str:
        """The engine's `tail`: a time window still reads at most `bound` lines from the end."""
        if self.since_s is not None:
            return bound
        return "all" if self.tail is None else self.tail


def parse_window(text: str) -> LogWindow:
    """`500` (last lines), `10m` / `2h` / `30s` / `1d` (since), or `all`; LogQueryError else."""
    value = text.strip().lower()
    if value == "all":
        return LogWindow(tail=None)
    if value.isdigit():
        return LogWindow(tail=int(value))
    match = _DURATION.match(value)
    if match and float(match[1]) > 0:
        return LogWindow(tail=None, since_s=float(match[1]) * _UNITS[match[2]])
    raise LogQueryError(
        f"cannot read {text.strip()!r} as a window: type a number of lines (500), "
        "a duration (30s, 10m, 2h, 1d) or all"
    )


def _duration_text(seconds: float) -> str:
    for unit in ("d", "h", "m"):
        if seconds >= _UNITS[unit] and seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s"


@dataclass(frozen=True)
class LogFilter:
    """Lines that contain `pattern` (plain text or a regular expression), with or without case."""

    pattern: str = ""
    regex: bool = False
    case_sensitive: bool = False

    def __post_init__(self) -> None:
        if self.regex:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise LogQueryError(
                    f"bad regular expression {self.pattern!r}: {exc}; fix it, or turn regex off"
                ) from exc

    def __bool__(self) -> bool:
        return bool(self.pattern)

    def matcher(self) -> Callable[[str], bool]:
        """A fast test of one line's text (everything passes an empty filter)."""
        if not self.pattern:
            return lambda _text: True
        if self.regex:
            search = re.compile(self.pattern, 0 if self.case_sensitive else re.IGNORECASE).search
            return lambda text: search(text) is not None
        if self.case_sensitive:
            needle = self.pattern
            return lambda text: needle in text
        folded = self.pattern.casefold()
        return lambda text: folded in text.casefold()

    def apply(self, lines: Iterable[LogLine]) -> list[LogLine]:
        """The lines that pass."""
        if not self.pattern:
            return list(lines)
        test = self.matcher()
        return [line for line in lines if test(line.text)]


def older_than(response: list[LogLine], oldest: LogLine) -> list[LogLine]:
    """The lines of a longer tail that come before `oldest` (the first line already held)."""
    for index, line in enumerate(response):
        if line == oldest:
            return response[:index]
    key = order_key(oldest)
    return [line for line in response if order_key(line) < key]
