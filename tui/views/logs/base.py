"""The core of the logs screen: follow one container, or several merged by time, and draw.

Only the rows on screen are drawn (LogView) and the lines held are bounded; the keys that read
history, filter, save and copy are added by LogsScreen (logs/screen.py).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label
from textual.worker import get_current_worker

from tui.engine.backend import DashboardBackend
from tui.engine.containers import ContainerInfo
from tui.engine.logs.merge import merge_into
from tui.engine.logs.query import LogFilter, LogWindow
from tui.engine.logs.sources import LogSource
from tui.engine.logs.stream import STDERR, LogBuffer, LogLine
from tui.views.formats import plain
from tui.views.guards import unless_removed
from tui.views.logs.view import LogView

MAX_LINES = 20_000  # lines held in memory; older ones are read again from the engine on demand
DRAIN_SECONDS = 0.1  # the view takes new lines at most ten times a second
COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan", "orange3")


@dataclass(eq=False)
class LogsEnded(Message):
    """A log stream ended (the container stopped or was removed, or the engine went away)."""

    engine_up: bool
    error: str = ""
    source: LogSource | None = None


class LogsBase(Screen[None]):
    """Follow and draw the logs of one container, or of several merged by time."""

    def __init__(
        self,
        backend: DashboardBackend,
        info: ContainerInfo | Sequence[ContainerInfo],
        max_lines: int = MAX_LINES,
        title: str = "",
    ) -> None:
        """The logs of `info`, or of each container in a sequence merged by time."""
        super().__init__()
        infos = [info] if isinstance(info, ContainerInfo) else list(info)
        self.backend = backend
        self.info = infos[0]
        self.merged = len(infos) > 1
        # The app closes a view whose container was removed; a merged view just ends that part.
        self.container_id = "" if self.merged else self.info.id
        self.sources = [
            LogSource(i, COLOURS[n % len(COLOURS)], i.name if self.merged else "")
            for n, i in enumerate(infos)
        ]
        self.name_width = max(len(i.name) for i in infos)
        self.title_text = title or ", ".join(i.name for i in infos)
        self.buffer = LogBuffer(max_lines)
        self.incoming: deque[LogLine] = deque(maxlen=max_lines)  # filled by the worker threads
        self.window = LogWindow()
        self.filter = LogFilter()
        self.regex = False
        self.case_sensitive = False
        self.paused = False
        self.timestamps = False
        self.wrap = False
        self.term = ""
        self.match_at = -1
        self.ended = ""
        self.new_while_paused = 0
        self.loading_older = False
        self.prompt_for = ""
        self.save_whole = False
        self.notice = ""  # the last one-line notice (a bad filter, a failed save), also shown

    def compose(self) -> ComposeResult:
        """Header, the log, the search and prompt boxes, a status line and the footer."""
        yield Header()
        yield LogView(self.styled_line, self.plain_line, self.buffer.lines.maxlen or 0, id="log")
        yield Input(placeholder="search (enter to apply, empty to clear)", id="log-search")
        yield Input(id="log-prompt")
        yield Label(id="log-status")
        yield Footer()

    @property
    def view(self) -> LogView:
        """The log view."""
        return self.query_one(LogView)

    def on_mount(self) -> None:
        """Start streaming."""
        self.sub_title = f"logs of {self.title_text}"
        self.set_interval(DRAIN_SECONDS, self.drain)
        self.start_streams()
        self.view.focus()
        self.update_status()

    def on_unmount(self) -> None:
        """Close the streams so their worker threads end."""
        self.stop_stream()

    # Streams -----------------------------------------------------------------------------

    def start_streams(self, tail: int | str | None = None) -> None:
        """Follow every container with the window's history (or `tail` lines of it)."""
        if tail is None:
            tail = self.window.engine_tail(self.buffer.lines.maxlen or 0)
        exhausted = self.window.tail is None and self.window.since_s is None
        for source in self.sources:
            source.exhausted = exhausted or source.exhausted
            self.follow_logs(source, self.incoming, tail, self.window.since())

    def stop_stream(self) -> None:
        """Close every stream (their workers' loops then end)."""
        for source in self.sources:
            source.closed = True
            stream, source.stream = source.stream, None
            if stream is not None:
                stream.close()

    def resume(self) -> None:
        """The engine is back: follow the containers' new lines again (after an outage)."""
        ended = [source for source in self.sources if source.ended]
        if not ended:
            return
        self.ended = ""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())
        self.incoming.append(
            LogLine("stdout", "--- engine reconnected: following again ---", stamp, "")
        )
        for source in ended:
            source.ended, source.closed = "", False
            self.follow_logs(source, self.incoming, 0, None)
        self.update_status()

    @work(thread=True, exit_on_error=False, group="logs")
    def follow_logs(
        self, source: LogSource, incoming: deque[LogLine], tail: int | str, since: float | None
    ) -> None:
        """Worker: read one container's lines into `incoming` until its stream ends or closes."""
        worker = get_current_worker()
        try:
            stream = source.open(self.backend, follow=True, tail=tail, since=since)
        except Exception as exc:
            self.post_message(LogsEnded(self.backend.ping(), error=str(exc), source=source))
            return
        source.stream = stream
        if source.closed:  # the view went away (or changed window) while the stream opened
            stream.close()
            return
        for line in stream:
            if worker.is_cancelled:
                break
            incoming.append(line)
        if not worker.is_cancelled and incoming is self.incoming:
            self.post_message(LogsEnded(self.backend.ping(), source=source))

    @unless_removed
    def drain(self) -> None:
        """Move new lines from the workers into the buffer and, unless paused, the view."""
        lines = []
        while self.incoming:
            lines.append(self.incoming.popleft())
        if not lines:
            return
        self.count_received(lines)
        reordered = False
        if self.merged:
            maxlen = self.buffer.lines.maxlen or 0
            self.buffer.dropped += max(0, len(self.buffer) + len(lines) - maxlen)
            reordered = merge_into(self.buffer.lines, lines)
        else:
            self.buffer.extend(lines)
        if self.paused:
            self.new_while_paused += len(lines)
        elif reordered:
            self.view.set_lines(self.filter.apply(self.buffer.lines))
        else:
            self.view.append(self.filter.apply(lines))
        self.update_status()

    def count_received(self, lines: list[LogLine]) -> None:
        """Count each container's lines, and note the first one (where older lines end)."""
        by_name = {source.name: source for source in self.sources}
        for line in lines:
            source = by_name.get(line.source)
            if source is not None:
                source.received += 1
                if source.oldest is None:
                    source.oldest = line

    def on_logs_ended(self, message: LogsEnded) -> None:
        """Say why a stream ended; the others go on (the app handles a lost engine)."""
        source = message.source
        if source is None or source not in self.sources:
            return
        if message.error:
            source.ended = f"cannot read logs: {message.error}"
        elif message.engine_up:
            source.ended = "stream ended (container stopped)"
        else:
            source.ended = "engine went away"
        if not self.merged:
            self.ended = source.ended
        elif all(s.ended for s in self.sources):
            self.ended = "every stream ended"
        self.drain()
        self.update_status()

    # Drawing -----------------------------------------------------------------------------

    def prefix(self, line: LogLine) -> str:
        """`name | ` in merged logs, padded so that the texts line up."""
        return f"{line.source:<{self.name_width}} | " if self.merged else ""

    def plain_line(self, line: LogLine) -> str:
        """A line as text, as it is shown (for copying, saving and widths)."""
        stamp = line.timestamp[:23] + "Z " if self.timestamps and line.timestamp else ""
        return f"{self.prefix(line)}{stamp}{line.text}"

    def styled_line(self, line: LogLine) -> Text:
        """One line: its container's colour, timestamp dimmed, stderr red, matches highlighted."""
        text = Text(no_wrap=True, end="")
        if self.merged:
            colours = {s.name: s.colour for s in self.sources}
            text.append(self.prefix(line), style=colours.get(line.source, ""))
        if self.timestamps and line.timestamp:
            text.append(line.timestamp[:23] + "Z ", style="dim")
        body = Text(line.text, style="red" if line.stream == STDERR else "")
        if self.term:
            body.highlight_words([self.term], style="black on yellow", case_sensitive=False)
        text.append_text(body)
        return text

    def rerender(self) -> None:
        """Draw the lines again (after a toggle or a new search)."""
        self.view.wrap = self.wrap
        self.view.restyle()
        self.update_status()

    def update_status(self) -> None:
        """The status line: follow or paused, window, filter, toggles, matches, ends, notices."""
        view = self.view
        parts = [
            f"paused ({self.new_while_paused} new)" if self.paused else "following",
            f"{len(self.buffer)} lines",
            f"window {self.window.describe()}",
        ]
        case = "case-sensitive" if self.case_sensitive else "any case"
        flags = f"{'regex' if self.regex else 'text'}, {case}"
        if self.filter:
            parts.append(f"filter {self.filter.pattern!r} ({flags}): {len(view.lines)} shown")
        elif self.regex or self.case_sensitive:  # how the next filter will be read
            parts.append(f"filter off ({flags})")
        parts.append(f"timestamps {'on' if self.timestamps else 'off'}")
        parts.append(f"wrap {'on' if self.wrap else 'off'}")
        if self.buffer.dropped:
            parts.append(f"{self.buffer.dropped} oldest dropped")
        if self.loading_older:
            parts.append("reading older lines…")
        if view.mark is not None:
            first, last = view.selected_range()
            count = last - first + 1
            parts.append(f"{count} line{'' if count == 1 else 's'} selected (y copies)")
        if self.term:
            parts.append(f"{len(self.matches())} matches for {self.term!r}")
        if self.merged:
            parts.extend(f"{s.info.name}: {s.ended}" for s in self.sources if s.ended)
        elif self.ended:
            parts.append(self.ended)
        if self.notice:
            parts.append(self.notice)
        self.query_one("#log-status", Label).update(plain(" | ".join(parts)))

    def say(self, notice: str, error: bool = True) -> None:
        """A one-line notice, as a toast and on the status line."""
        self.notice = notice
        self.notify(notice, severity="error" if error else "information")
        self.update_status()

    def matches(self) -> list[int]:
        """Indexes of the lines shown that contain the search term (any case)."""
        needle = self.term.lower()
        return [i for i, line in enumerate(self.view.lines) if needle in line.text.lower()]

    # Keys --------------------------------------------------------------------------------

    def action_close(self) -> None:
        """Leave the logs (escape in a box, or while selecting, only closes that)."""
        for box in self.query(Input):
            if box.has_focus:
                box.remove_class("shown")
                self.view.focus()
                return
        if self.view.mark is not None:
            self.view.start_selection()  # stops selecting
            self.update_status()
            return
        self.app.pop_screen()

    def on_log_view_scrolled_back(self) -> None:
        """Scrolling up pauses the view (G or space follows again)."""
        if not self.paused:
            self.action_pause()

    def action_pause(self) -> None:
        """Pause or resume the view (lines keep arriving into the buffer)."""
        self.paused = not self.paused
        self.view.follow = not self.paused
        if not self.paused:
            if self.new_while_paused:
                self.view.set_lines(self.filter.apply(self.buffer.lines))
            self.new_while_paused = 0
            self.view.to_end()
        self.update_status()

    def action_timestamps(self) -> None:
        """Show or hide timestamps."""
        self.timestamps = not self.timestamps
        self.rerender()

    def action_wrap(self) -> None:
        """Wrap long lines, or not."""
        self.wrap = not self.wrap
        self.rerender()

    def action_search(self) -> None:
        """Open the search box."""
        box = self.query_one("#log-search", Input)
        box.value = ""  # a fresh search each time; submitting it empty clears the highlight
        box.add_class("shown")
        box.focus()

    @on(Input.Submitted, "#log-search")
    def _search(self, event: Input.Submitted) -> None:
        self.term = event.value.strip()
        self.match_at = -1
        self.query_one("#log-search", Input).remove_class("shown")
        self.view.focus()
        self.rerender()
        if self.term:
            self.action_next_match(1)

    def action_next_match(self, step: int) -> None:
        """Scroll to the next (or previous) line matching the search, pausing the view."""
        matches = self.matches() if self.term else []
        if not matches:
            return
        if not self.paused:
            self.action_pause()
        self.match_at = (self.match_at + step) % len(matches)
        self.view.scroll_to(y=max(0, self.view.row_of(matches[self.match_at]) - 2), animate=False)

    def action_end(self) -> None:
        """Resume following at the end."""
        if self.paused:
            self.action_pause()
        self.view.to_end()
