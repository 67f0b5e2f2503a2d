"""Logs of one container, or of several merged by time: follow, search, filter, window, save,
copy.

The engine is asked for a window (the last lines, or those since a time), so a container with
gigabytes of logs opens at once; older lines are read on demand when the user reaches the top.
The streams are a LogFollower's (follower.py): its thread workers read, this screen takes what
came in ten times a second and draws it. Only the rows on screen are drawn (LogView) and the
lines held are bounded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Input, Label
from textual.worker import get_current_worker

from tui.engine.backend import DashboardBackend
from tui.engine.containers import ContainerInfo
from tui.engine.logs.merge import merge_into
from tui.engine.logs.query import LogFilter, LogQueryError, LogWindow, parse_window
from tui.engine.logs.save import LogFiles, default_file_name, default_save_path
from tui.engine.logs.sources import LogSource
from tui.engine.logs.stream import LogBuffer, LogLine, order_key
from tui.errors import LabError
from tui.views.formats import plain
from tui.views.guards import unless_removed
from tui.views.logs.follower import LogFollower, StreamEnd
from tui.views.logs.saving import WholeLogSpooled, deliver_lines, deliver_spool, spool_lines
from tui.views.logs.state import LogState
from tui.views.logs.view import LogView
from tui.views.read_only import delivers, hidden, is_read_only
from tui.views.widgets.boxes import open_box
from tui.views.widgets.confirm import ConfirmScreen
from tui.views.widgets.footer import LabFooter

MAX_LINES = 20_000  # lines held in memory; older ones are read again from the engine on demand
DRAIN_SECONDS = 0.1  # the view takes new lines at most ten times a second
PAGE = 1000  # older lines read each time the user reaches the top
PROMPTS = {
    "filter": "filter: only lines containing this (x: regex, i: case; empty clears)",
    "window": "window: last lines (500), since a duration (30s, 10m, 2h, 1d) or all",
    "save": "save to (enter; an existing file is not overwritten without asking)",
}


@dataclass(eq=False)
class LogsEnded(Message):
    """A log stream ended (the container stopped or was removed, or the engine went away)."""

    end: StreamEnd


@dataclass(eq=False)
class OlderLoaded(Message):
    """Older lines came back from the engine."""

    lines: list[LogLine]
    done: list[LogSource]
    error: str = ""


@dataclass(eq=False)
class Saved(Message):
    """A save finished: `count` lines written, or the file exists, or an error."""

    path: Path
    whole: bool
    count: int = 0
    exists: bool = False
    error: str = ""


class LogsScreen(Screen[None]):
    """Follow and draw the logs of one container, or of several merged by time, with the keys
    that read history, filter, search, save and copy."""

    CSS_PATH = "screen.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("escape,q", "close", "Back"),
        Binding("space,p", "pause", "Pause/resume"),
        Binding("slash", "search", "Search"),
        Binding("f", "filter", "Filter"),
        Binding("x", "toggle_regex", "Regex", show=False),
        Binding("i", "toggle_case", "Case", show=False),
        Binding("T", "window", "Window"),
        Binding("m", "older", "More history", show=False),
        Binding("v", "select", "Select"),
        Binding("y", "copy", "Copy"),
        Binding("s", "save(False)", "Save shown"),
        Binding("S", "save(True)", "Save all", show=False),
        Binding("t", "timestamps", "Timestamps"),
        Binding("w", "wrap", "Wrap"),
        Binding("n", "next_match(1)", "Next match"),
        Binding("N", "next_match(-1)", "Prev match", show=False),
        Binding("G", "end", "End", show=False),
    ]

    def __init__(
        self,
        backend: DashboardBackend,
        info: ContainerInfo | Sequence[ContainerInfo],
        max_lines: int = MAX_LINES,
        title: str = "",
        files: LogFiles | None = None,
    ) -> None:
        """The logs of `info`, or of each container in a sequence merged by time; `files` is
        where saves are written (the app's, which refuse in read-only mode)."""
        super().__init__()
        self.files = files if files is not None else LogFiles()
        infos = [info] if isinstance(info, ContainerInfo) else list(info)
        self.follower = LogFollower(backend, infos, max_lines)
        self.info = infos[0]
        self.merged = self.follower.merged
        # The app closes a view whose container was removed; a merged view just ends that part.
        self.container_id = "" if self.merged else self.info.id
        self.title_text = title or ", ".join(i.name for i in infos)
        self.buffer = LogBuffer(max_lines)
        colours = {source.name: source.colour for source in self.follower.sources}
        self.state = LogState(self.merged, max(len(i.name) for i in infos), colours)
        self.prompt_for = ""
        self.save_whole = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys read-only mode refuses (saving, unless delivered to the browser)."""
        return not hidden(self, action, parameters)

    @property
    def sources(self) -> list[LogSource]:
        """The containers followed."""
        return self.follower.sources

    def compose(self) -> ComposeResult:
        """Header, the log, the search and prompt boxes, a status line and the footer."""
        yield Header()
        yield LogView(self.state.styled, self.state.plain, self.buffer.lines.maxlen or 0, id="log")
        yield Input(placeholder="search (enter to apply, empty to clear)", id="log-search")
        yield Input(id="log-prompt")
        yield Label(id="log-status")
        yield LabFooter()

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
        self.follower.close()

    # Streams -----------------------------------------------------------------------------

    def start_streams(self, tail: int | str | None = None) -> None:
        """Follow every container with the window's history (or `tail` lines of it)."""
        if tail is None:
            tail = self.state.window.engine_tail(self.buffer.lines.maxlen or 0)
        for source in self.follower.starting(self.state.window):
            self.follow_logs(source, self.follower.incoming, tail, self.state.window.since())

    def resume(self) -> None:
        """The engine is back: follow the containers' new lines again (after an outage)."""
        ended = self.follower.resumable()
        if not ended:
            return
        self.state.ended = ""
        for source in ended:
            self.follow_logs(source, self.follower.incoming, 0, None)
        self.update_status()

    @work(thread=True, exit_on_error=False, group="logs")
    def follow_logs(
        self, source: LogSource, incoming: deque[LogLine], tail: int | str, since: float | None
    ) -> None:
        """Worker: read one container's lines into `incoming` until its stream ends or closes."""
        worker = get_current_worker()
        end = self.follower.read(source, incoming, tail, since, lambda: worker.is_cancelled)
        if end is not None:
            self.post_message(LogsEnded(end))

    @unless_removed
    def drain(self) -> None:
        """Move new lines from the workers into the buffer and, unless paused, the view."""
        lines = self.follower.take()
        if not lines:
            return
        reordered = False
        if self.merged:
            maxlen = self.buffer.lines.maxlen or 0
            self.buffer.dropped += max(0, len(self.buffer) + len(lines) - maxlen)
            reordered = merge_into(self.buffer.lines, lines)
        else:
            self.buffer.extend(lines)
        if self.state.paused:
            self.state.new_while_paused += len(lines)
        elif reordered:
            self.view.set_lines(self.state.filter.apply(self.buffer.lines))
        else:
            self.view.append(self.state.filter.apply(lines))
        self.update_status()

    def on_logs_ended(self, message: LogsEnded) -> None:
        """Say why a stream ended; the others go on (the app handles a lost engine)."""
        if message.end.source not in self.sources:
            return
        self.state.ended = self.follower.ended(message.end) or self.state.ended
        self.drain()
        self.update_status()

    # History: window and older lines -----------------------------------------------------

    def apply_window(self, window: LogWindow) -> None:
        """Read the logs again with another window (the lines held are replaced)."""
        self.follower.restart()
        self.state.window = window
        self.buffer.replace([])
        self.buffer.dropped = 0
        self.state.ended, self.state.new_while_paused, self.state.loading_older = "", 0, False
        self.view.set_lines([])
        self.start_streams()
        self.update_status()

    def on_log_view_reached_top(self) -> None:
        """The user reached the top: read older lines, if there are any and there is room."""
        self.action_older()

    def action_older(self) -> None:
        """Read the page of lines before the oldest held (per container)."""
        wanted = self.follower.wanting_older()
        if self.state.loading_older or not wanted:
            return
        if self.buffer.room <= 0:
            self.say(f"{len(self.buffer)} lines held, the most kept: press S to save the whole log")
            return
        self.state.loading_older = True
        self.update_status()
        self.read_older(wanted, self.follower.incoming, self.state.window.since())

    @work(thread=True, exit_on_error=False, group="older")
    def read_older(
        self, sources: list[LogSource], incoming: deque[LogLine], since: float | None
    ) -> None:
        """Worker: a longer tail per container, keeping what comes before its oldest line."""
        try:
            older, done = self.follower.read_older(sources, since, PAGE)
        except Exception as exc:
            self.post_message(OlderLoaded([], [], error=f"cannot read older lines: {exc}"))
            return
        if incoming is self.follower.incoming:  # not from before a window change
            self.post_message(OlderLoaded(older, done))

    def on_older_loaded(self, message: OlderLoaded) -> None:
        """Put the older lines in front (merged by time), keeping the view where it was."""
        self.state.loading_older = False
        for source in message.done:
            source.exhausted = True
        if message.error:
            self.say(message.error)
            return
        older = sorted(message.lines, key=order_key) if self.merged else message.lines
        kept = self.buffer.prepend(older)
        self.follower.took_older(older, kept)
        if self.merged and kept:
            # Older lines of one container can be newer than another's oldest: sort them in.
            top = (
                self.view.lines[self.view.line_at(round(self.view.scroll_y))[0]]
                if self.view.lines
                else None
            )
            self.buffer.replace(sorted(self.buffer.lines, key=order_key))
            self.view.set_lines(self.state.filter.apply(self.buffer.lines))
            if top is not None:
                self.view.scroll_to(
                    y=self.view.row_of(_index_of(self.view.lines, top)), animate=False
                )
        else:
            self.view.prepend(self.state.filter.apply(kept))
        if not kept:
            self.say("no older lines in this window", error=False)
        self.update_status()

    # Drawing -----------------------------------------------------------------------------

    def rerender(self) -> None:
        """Draw the lines again (after a toggle or a new search)."""
        self.view.wrap = self.state.wrap
        self.view.restyle()
        self.update_status()

    def update_status(self) -> None:
        """The status line: follow or paused, window, filter, toggles, matches, ends, notices."""
        view, state = self.view, self.state
        first, last = view.selected_range() if view.mark is not None else (1, 0)
        if self.merged:
            ends = [f"{s.info.name}: {s.ended}" for s in self.sources if s.ended]
        else:
            ends = [state.ended] if state.ended else []
        matches = len(state.matches(view.lines)) if state.term else 0
        line = state.status(
            held=len(self.buffer),
            dropped=self.buffer.dropped,
            shown=len(view.lines),
            selected=last - first + 1,
            matches=matches,
            ends=ends,
        )
        self.query_one("#log-status", Label).update(plain(line))

    def say(self, notice: str, error: bool = True) -> None:
        """A one-line notice, as a toast and on the status line."""
        self.state.notice = notice
        self.notify(notice, severity="error" if error else "information")
        self.update_status()

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
        if not self.state.paused:
            self.action_pause()

    def action_pause(self) -> None:
        """Pause or resume the view (lines keep arriving into the buffer)."""
        self.state.paused = not self.state.paused
        self.view.follow = not self.state.paused
        if not self.state.paused:
            if self.state.new_while_paused:
                self.view.set_lines(self.state.filter.apply(self.buffer.lines))
            self.state.new_while_paused = 0
            self.view.to_end()
        self.update_status()

    def action_timestamps(self) -> None:
        """Show or hide timestamps."""
        self.state.timestamps = not self.state.timestamps
        self.rerender()

    def action_wrap(self) -> None:
        """Wrap long lines, or not."""
        self.state.wrap = not self.state.wrap
        self.rerender()

    def action_search(self) -> None:
        """Open the search box."""
        box = self.query_one("#log-search", Input)
        box.value = ""  # a fresh search each time; submitting it empty clears the highlight
        open_box(box)

    @on(Input.Submitted, "#log-search")
    def _search(self, event: Input.Submitted) -> None:
        self.state.term = event.value.strip()
        self.state.match_at = -1
        self.query_one("#log-search", Input).remove_class("shown")
        self.view.focus()
        self.rerender()
        if self.state.term:
            self.action_next_match(1)

    def action_next_match(self, step: int) -> None:
        """Scroll to the next (or previous) line matching the search, pausing the view."""
        matches = self.state.matches(self.view.lines) if self.state.term else []
        if not matches:
            return
        if not self.state.paused:
            self.action_pause()
        self.state.match_at = (self.state.match_at + step) % len(matches)
        self.view.scroll_to(
            y=max(0, self.view.row_of(matches[self.state.match_at]) - 2), animate=False
        )

    def action_end(self) -> None:
        """Resume following at the end."""
        if self.state.paused:
            self.action_pause()
        self.view.to_end()

    # Filter, window and save prompts -------------------------------------------------------

    def open_prompt(self, purpose: str, value: str) -> None:
        """Ask for a filter, a window or a path in the prompt box."""
        self.prompt_for = purpose
        box = self.query_one("#log-prompt", Input)
        box.placeholder = PROMPTS[purpose]
        box.value = value
        box.cursor_position = len(value)
        open_box(box)

    def action_filter(self) -> None:
        """Type a filter: only the lines that match are shown."""
        self.open_prompt("filter", self.state.filter.pattern)

    def action_window(self) -> None:
        """Type a window: the last N lines, since a duration, or all."""
        self.open_prompt("window", self.state.window.describe())

    def action_save(self, whole: bool) -> None:
        """Save the lines shown (filtered), or the whole log from the engine: to the viewer's
        browser when served (tui/views/logs/saving.py), else to a file here, path asked."""
        self.save_whole = whole
        name = self.title_text if not self.merged else f"{self.title_text.split(',')[0]}-merged"
        if delivers(self.app):
            if whole and is_read_only(self):  # the gate refuses it first; this holds if not
                self.say("read-only: saving the whole log is disabled (s sends the lines shown)")
            elif whole:
                self.say("reading the whole log for your browser…", error=False)
                self.spool_whole(default_file_name(name))
            else:
                count = deliver_lines(self.app, default_file_name(name), self.view.plain_lines())
                self.say(f"sent the lines shown ({count} lines) to your browser", error=False)
            return
        self.open_prompt("save", str(default_save_path(name)))

    @on(Input.Submitted, "#log-prompt")
    def _prompted(self, event: Input.Submitted) -> None:
        event.input.remove_class("shown")
        self.view.focus()
        value = event.value.strip()
        if self.prompt_for == "filter":
            self.set_filter(value, self.state.regex, self.state.case_sensitive)
        elif self.prompt_for == "window":
            try:
                window = parse_window(value)
            except LogQueryError as exc:
                self.say(str(exc))
                return
            self.state.notice = ""
            self.apply_window(window)
        elif self.prompt_for == "save":
            if not value:
                self.say("not saved: no path given", error=False)
                return
            self.write_file(Path(value).expanduser(), self.save_whole, overwrite=False)

    def set_filter(self, pattern: str, regex: bool, case_sensitive: bool) -> bool:
        """Show only the lines matching; a bad regex keeps the previous filter (one-line notice)."""
        try:
            new = LogFilter(pattern, regex, case_sensitive)
        except LogQueryError as exc:
            self.say(str(exc))
            return False
        self.state.filter, self.state.regex, self.state.case_sensitive = new, regex, case_sensitive
        self.state.notice = ""
        self.view.set_lines(self.state.filter.apply(self.buffer.lines))
        if self.state.paused:  # what came in meanwhile is filtered in too
            self.state.new_while_paused = 0
        self.update_status()
        return True

    def action_toggle_regex(self) -> None:
        """The filter is a regular expression, or plain text."""
        self.set_filter(self.state.filter.pattern, not self.state.regex, self.state.case_sensitive)

    def action_toggle_case(self) -> None:
        """The filter tells upper and lower case apart, or not."""
        self.set_filter(self.state.filter.pattern, self.state.regex, not self.state.case_sensitive)

    # Save and copy -------------------------------------------------------------------------

    def lines_to_save(self, whole: bool) -> Iterator[str]:
        """The lines shown, or (blocking: in a worker) the whole log read again from the engine."""
        if whole:
            return (self.state.plain(line) for line in self.follower.whole())
        return iter(self.view.plain_lines())

    @work(thread=True, exit_on_error=False, group="save")
    def spool_whole(self, file_name: str) -> None:
        """Worker: the whole log into an unnamed temporary file, for the browser."""
        try:
            spool, count = spool_lines(self.lines_to_save(True))
        except Exception as exc:  # the engine failed while the whole log was read
            self.post_message(WholeLogSpooled(file_name, None, error=f"not sent: {exc}"))
            return
        self.post_message(WholeLogSpooled(file_name, spool, count))

    def on_whole_log_spooled(self, message: WholeLogSpooled) -> None:
        """Hand the whole log to the browser."""
        if message.error:
            self.say(message.error)
            return
        deliver_spool(self.app, message)
        self.say(f"sent the whole log ({message.count} lines) to your browser", error=False)

    @work(thread=True, exit_on_error=False, group="save")
    def write_file(self, path: Path, whole: bool, overwrite: bool) -> None:
        """Worker: write the lines shown, or the whole log read again from the engine, through
        the app's LogFiles (never through a symlink, never into a non-regular file)."""
        lines = self.lines_to_save(whole)
        saved = Saved(path, whole)
        try:
            saved.count = self.files.save_lines(path, lines, overwrite=overwrite)
        except FileExistsError:
            saved.exists = True
        except LabError as exc:
            saved.error = str(exc)
        except Exception as exc:  # the engine failed while the whole log was read
            saved.error = f"cannot save the whole log: {exc}"
        self.post_message(saved)

    def on_saved(self, message: Saved) -> None:
        """Say where the lines went; ask before overwriting an existing file."""
        if message.exists:

            def answered(yes: bool | None) -> None:
                if yes:
                    self.write_file(message.path, message.whole, overwrite=True)
                else:
                    self.say(f"not saved: {message.path} exists", error=False)

            self.app.push_screen(ConfirmScreen(f"{message.path} exists. Overwrite it?"), answered)
        elif message.error:
            self.say(message.error)
        else:
            what = "the whole log" if message.whole else "the lines shown"
            self.say(f"saved {what} ({message.count} lines) to {message.path}", error=False)

    def on_log_view_selection_moved(self) -> None:
        """Say how many lines are selected."""
        self.update_status()

    def action_select(self) -> None:
        """Start (or stop) selecting lines: ↑/↓ move the end, y copies them."""
        self.state.notice = ""
        if not self.state.paused:
            self.action_pause()
        self.view.start_selection()
        self.update_status()

    def action_copy(self) -> None:
        """Copy the selection (the mouse's, or the lines selected with v) to the clipboard.

        The copy goes through the terminal (OSC 52), so it works over ssh; a terminal
        without OSC 52 support silently ignores it.
        """
        text = self.get_selected_text()
        if text:
            what = f"the selected text ({len(text.splitlines())} lines, {len(text)} characters)"
        else:
            lines = self.view.selected_lines()
            if not lines:
                self.say("nothing selected: press v, then ↑/↓, or drag with the mouse", False)
                return
            text = "\n".join(lines)
            what = f"{len(lines)} lines ({len(text)} characters)"
            self.view.start_selection()  # done selecting
        self.app.copy_to_clipboard(text)
        self.say(f"copied {what} to the clipboard", error=False)


def _index_of(lines: deque[LogLine], wanted: LogLine) -> int:
    """Where `wanted` (that very line) is in `lines`, or 0."""
    for index, line in enumerate(lines):
        if line is wanted:
            return index
    return 0
