"""A container's logs: follow live, timestamps, stdout/stderr apart, search, pause, wrap."""

from __future__ import annotations

from collections import deque
from itertools import islice

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, RichLog
from textual.worker import get_current_worker

from tui.engine.backend import DashboardBackend, Stream
from tui.engine.containers import ContainerInfo
from tui.engine.logs import DEFAULT_MAX_LINES, STDERR, LogBuffer, LogLine
from tui.views.lifecycle import unless_removed

TAIL = 1000  # lines of history fetched when the view opens
VIEW_LINES_PER_TICK = 200  # at most this many lines drawn per drain tick
DRAIN_SECONDS = 0.1  # the view takes new lines at most ten times a second


class LogsEnded(Message):
    """The log stream ended (the container stopped, or the engine went away)."""

    def __init__(self, engine_up: bool, error: str = "") -> None:
        super().__init__()
        self.engine_up = engine_up
        self.error = error


class LogsScreen(Screen[None]):
    """The logs of one container, with a bounded buffer."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape,q", "close", "Back"),
        Binding("space,p", "pause", "Pause/resume"),
        Binding("t", "timestamps", "Timestamps"),
        Binding("w", "wrap", "Wrap"),
        Binding("slash", "search", "Search"),
        Binding("n", "next_match(1)", "Next match"),
        Binding("N", "next_match(-1)", "Prev match", show=False),
        Binding("G", "end", "End", show=False),
    ]

    def __init__(
        self, backend: DashboardBackend, info: ContainerInfo, max_lines: int = DEFAULT_MAX_LINES
    ) -> None:
        super().__init__()
        self.backend = backend
        self.info = info
        self.container_id = info.id
        self.buffer = LogBuffer(max_lines)
        self.incoming: deque[LogLine] = deque(maxlen=max_lines)  # filled by the worker thread
        self.stream: Stream[LogLine] | None = None
        self.paused = False
        self.timestamps = False
        self.wrap = False
        self.term = ""
        self.match_at = -1
        self.ended = ""
        self.new_while_paused = 0
        self._closing = False

    def compose(self) -> ComposeResult:
        """Header, the log, the search box, a status line and the footer."""
        yield Header()
        yield RichLog(max_lines=self.buffer.lines.maxlen, wrap=False, id="log", markup=False)
        yield Input(placeholder="search (enter to apply, empty to clear)", id="log-search")
        yield Label(id="log-status")
        yield Footer()

    def on_mount(self) -> None:
        """Start streaming."""
        self.sub_title = f"logs of {self.info.name}"
        self.set_interval(DRAIN_SECONDS, self.drain)
        self.follow_logs()
        self.update_status()

    def on_unmount(self) -> None:
        """Close the stream so its worker thread ends."""
        self.stop_stream()

    def stop_stream(self) -> None:
        """Close the stream (the worker's loop then ends)."""
        self._closing = True
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.close()

    def resume(self) -> None:
        """The engine is back: follow the container's new lines again (after an outage)."""
        if not self.ended:
            return
        self.ended = ""
        self._closing = False
        self.incoming.append(LogLine("stdout", "--- engine reconnected: following again ---"))
        self.follow_logs(tail=0)
        self.update_status()

    @work(thread=True, exit_on_error=False, group="logs")
    def follow_logs(self, tail: int = TAIL) -> None:
        """Worker: read lines into `incoming` until the stream ends or is closed."""
        worker = get_current_worker()
        try:
            stream = self.backend.logs(self.container_id, follow=True, tail=tail, tty=self.info.tty)
        except Exception as exc:
            self.post_message(LogsEnded(self.backend.ping(), error=str(exc)))
            return
        self.stream = stream
        if self._closing:  # the view went away while the stream was opening
            stream.close()
            return
        for line in stream:
            if worker.is_cancelled:
                break
            self.incoming.append(line)
        if not worker.is_cancelled:
            self.post_message(LogsEnded(self.backend.ping()))

    @unless_removed
    def drain(self) -> None:
        """Move new lines from the worker into the buffer and, unless paused, the view."""
        lines = []
        while self.incoming:
            lines.append(self.incoming.popleft())
        if not lines:
            return
        self.buffer.extend(lines)
        if self.paused:
            self.new_while_paused += len(lines)
        else:
            self.append_to_view(lines)
        self.update_status()

    def append_to_view(self, lines: list[LogLine]) -> None:
        """Draw new lines below the others, at most VIEW_LINES_PER_TICK of them."""
        log = self.query_one(RichLog)
        if len(lines) > VIEW_LINES_PER_TICK:
            # A flood: keep every line in the buffer (searchable) but draw only the newest,
            # so rendering never starves key presses.
            skipped = len(lines) - VIEW_LINES_PER_TICK
            log.write(Text(f"… {skipped} lines not drawn (kept for search)", style="dim"))
            lines = lines[-VIEW_LINES_PER_TICK:]
        # One write per tick: each write costs the log a layout pass.
        log.write(Text("\n").join(self.styled_line(line) for line in lines))

    def styled_line(self, line: LogLine) -> Text:
        """One line: stderr in red, timestamp dimmed, search matches highlighted."""
        text = Text()
        if self.timestamps and line.timestamp:
            text.append(line.timestamp[:23] + "Z ", style="dim")
        body = Text(line.text, style="red" if line.stream == STDERR else "")
        if self.term:
            body.highlight_words([self.term], style="black on yellow", case_sensitive=False)
        text.append_text(body)
        return text

    def rerender(self) -> None:
        """Render the whole buffer again (after a toggle or a new search)."""
        log = self.query_one(RichLog)
        log.wrap = self.wrap
        log.clear()
        if self.buffer.lines:
            log.write(
                Text("\n").join(self.styled_line(line) for line in self.buffer.lines),
                scroll_end=False,
            )
        if not self.paused:
            log.scroll_end(animate=False)
        self.update_status()

    def update_status(self) -> None:
        """The status line: follow or paused, toggles, matches, dropped lines, end of stream."""
        parts = [
            f"paused ({self.new_while_paused} new)" if self.paused else "following",
            f"{len(self.buffer)} lines",
            f"timestamps {'on' if self.timestamps else 'off'}",
            f"wrap {'on' if self.wrap else 'off'}",
        ]
        if self.buffer.dropped:
            parts.append(f"{self.buffer.dropped} oldest dropped")
        if self.term:
            parts.append(f"{len(self.buffer.matching(self.term))} matches for {self.term!r}")
        if self.ended:
            parts.append(self.ended)
        self.query_one("#log-status", Label).update(" | ".join(parts))

    def on_logs_ended(self, message: LogsEnded) -> None:
        """Say why the stream ended; the app handles a lost engine or a removed container."""
        if message.error:
            self.ended = f"cannot read logs: {message.error}"
        elif message.engine_up:
            self.ended = "stream ended (container stopped)"
        else:
            self.ended = "engine went away"
        self.drain()
        self.update_status()

    def action_close(self) -> None:
        """Leave the logs (the search box's escape only hides the box)."""
        box = self.query_one("#log-search", Input)
        if box.has_focus:
            box.remove_class("shown")
            self.query_one(RichLog).focus()
            return
        self.app.pop_screen()

    def action_pause(self) -> None:
        """Pause or resume the view (lines keep arriving into the buffer)."""
        self.paused = not self.paused
        self.query_one(RichLog).auto_scroll = not self.paused
        if not self.paused:
            # Draw what came in meanwhile, not the whole buffer again: resuming stays instant.
            missed = min(self.new_while_paused, len(self.buffer))
            self.new_while_paused = 0
            if missed:
                self.append_to_view(list(islice(reversed(self.buffer.lines), missed))[::-1])
            self.query_one(RichLog).scroll_end(animate=False)
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
        self.query_one(RichLog).focus()
        self.rerender()
        if self.term:
            self.action_next_match(1)

    def action_next_match(self, step: int) -> None:
        """Scroll to the next (or previous) line matching the search, pausing the view."""
        matches = self.buffer.matching(self.term) if self.term else []
        if not matches:
            return
        if not self.paused:
            self.action_pause()
        self.match_at = (self.match_at + step) % len(matches)
        log = self.query_one(RichLog)
        if not self.wrap:  # with wrapping, line numbers and rows differ
            log.scroll_to(y=max(0, matches[self.match_at] - 2), animate=False)

    def action_end(self) -> None:
        """Resume following at the end."""
        if self.paused:
            self.action_pause()
        self.query_one(RichLog).scroll_end(animate=False)
