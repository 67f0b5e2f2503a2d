"""What a logs view shows besides the lines themselves: its toggles, window and filter, how each
line is drawn, and its status line. Plain values: the logs screen holds one `LogState`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.text import Text

from tui.engine.logs.query import LogFilter, LogWindow
from tui.engine.logs.stream import STDERR, LogLine


@dataclass
class LogState:
    """The view's state; `colours` gives each container's colour in merged logs."""

    merged: bool
    name_width: int
    colours: dict[str, str]
    window: LogWindow = field(default_factory=LogWindow)
    filter: LogFilter = field(default_factory=LogFilter)
    regex: bool = False
    case_sensitive: bool = False
    paused: bool = False
    timestamps: bool = False
    wrap: bool = False
    term: str = ""  # the search
    match_at: int = -1
    ended: str = ""
    new_while_paused: int = 0
    loading_older: bool = False
    notice: str = ""  # the last one-line notice (a bad filter, a failed save), also shown

    def prefix(self, line: LogLine) -> str:
        """`name | ` in merged logs, padded so that the texts line up."""
        return f"{line.source:<{self.name_width}} | " if self.merged else ""

    def plain(self, line: LogLine) -> str:
        """A line as text, as it is shown (for copying, saving and widths)."""
        stamp = line.timestamp[:23] + "Z " if self.timestamps and line.timestamp else ""
        return f"{self.prefix(line)}{stamp}{line.text}"

    def styled(self, line: LogLine) -> Text:
        """One line: its container's colour, timestamp dimmed, stderr red, matches highlighted."""
        text = Text(no_wrap=True, end="")
        if self.merged:
            text.append(self.prefix(line), style=self.colours.get(line.source, ""))
        if self.timestamps and line.timestamp:
            text.append(line.timestamp[:23] + "Z ", style="dim")
        body = Text(line.text, style="red" if line.stream == STDERR else "")
        if self.term:
            body.highlight_words([self.term], style="black on yellow", case_sensitive=False)
        text.append_text(body)
        return text

    def matches(self, lines: Sequence[LogLine]) -> list[int]:
        """Indexes of the lines that contain the search term (any case)."""
        needle = self.term.lower()
        return [i for i, line in enumerate(lines) if needle in line.text.lower()]

    def status(
        self, *, held: int, dropped: int, shown: int, selected: int, matches: int, ends: list[str]
    ) -> str:
        """The status line: follow or paused, window, filter, toggles, matches, ends, notices
        (`selected`: lines selected, 0 when not selecting; `ends`: each stream's end)."""
        parts = [
            f"paused ({self.new_while_paused} new)" if self.paused else "following",
            f"{held} lines",
            f"window {self.window.describe()}",
        ]
        case = "case-sensitive" if self.case_sensitive else "any case"
        flags = f"{'regex' if self.regex else 'text'}, {case}"
        if self.filter:
            parts.append(f"filter {self.filter.pattern!r} ({flags}): {shown} shown")
        elif self.regex or self.case_sensitive:  # how the next filter will be read
            parts.append(f"filter off ({flags})")
        parts.append(f"timestamps {'on' if self.timestamps else 'off'}")
        parts.append(f"wrap {'on' if self.wrap else 'off'}")
        if dropped:
            parts.append(f"{dropped} oldest dropped")
        if self.loading_older:
            parts.append("reading older lines…")
        if selected:
            parts.append(f"{selected} line{'' if selected == 1 else 's'} selected (y copies)")
        if self.term:
            parts.append(f"{matches} matches for {self.term!r}")
        parts.extend(ends)
        if self.notice:
            parts.append(self.notice)
        return " | ".join(parts)
