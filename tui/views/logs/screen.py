"""Logs of one container, or of several merged by time: follow, filter, window, save, copy.

The engine is asked for a window (the last lines, or those since a time), so a container with
gigabytes of logs opens at once; older lines are read on demand when the user reaches the top.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from tui.engine.backend import DashboardBackend
from tui.engine.containers import ContainerInfo
from tui.engine.logs.merge import whole_logs
from tui.engine.logs.query import LogFilter, LogQueryError, LogWindow, parse_window
from tui.engine.logs.save import LogFiles, default_file_name, default_save_path
from tui.engine.logs.sources import LogSource, read_older
from tui.engine.logs.stream import LogLine, order_key
from tui.errors import LabError
from tui.views.logs.base import LogsBase, LogsEnded
from tui.views.logs.saving import WholeLogSpooled, deliver_lines, deliver_spool, spool_lines
from tui.views.read_only import delivers, hidden, is_read_only
from tui.views.widgets.confirm import ConfirmScreen

__all__ = ["LogsEnded", "LogsScreen"]

PAGE = 1000  # older lines read each time the user reaches the top
PROMPTS = {
    "filter": "filter: only lines containing this (x: regex, i: case; empty clears)",
    "window": "window: last lines (500), since a duration (30s, 10m, 2h, 1d) or all",
    "save": "save to (enter; an existing file is not overwritten without asking)",
}


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


class LogsScreen(LogsBase):
    """The logs screen with its keys: history window, filter, save and copy."""

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
        *,
        title: str = "",
        files: LogFiles | None = None,
    ) -> None:
        """The logs of `info` (several: merged by time); `files` is where saves are written
        (the app's, which refuse in read-only mode)."""
        super().__init__(backend, info, title=title)
        self.files = files if files is not None else LogFiles()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys read-only mode refuses (saving, unless delivered to the browser)."""
        return not hidden(self, action, parameters)

    # History: window and older lines -----------------------------------------------------

    def apply_window(self, window: LogWindow) -> None:
        """Read the logs again with another window (the lines held are replaced)."""
        self.stop_stream()
        self.window = window
        self.incoming = deque(maxlen=self.buffer.lines.maxlen)  # old workers write elsewhere
        self.sources = [LogSource(s.info, s.colour, s.name) for s in self.sources]
        self.buffer.replace([])
        self.buffer.dropped = 0
        self.ended, self.new_while_paused, self.loading_older = "", 0, False
        self.view.set_lines([])
        self.start_streams()
        self.update_status()

    def on_log_view_reached_top(self) -> None:
        """The user reached the top: read older lines, if there are any and there is room."""
        self.action_older()

    def action_older(self) -> None:
        """Read the page of lines before the oldest held (per container)."""
        wanted = [s for s in self.sources if not s.exhausted and s.oldest is not None]
        if self.loading_older or not wanted:
            return
        if self.buffer.room <= 0:
            self.say(f"{len(self.buffer)} lines held, the most kept: press S to save the whole log")
            return
        self.loading_older = True
        self.update_status()
        self.read_older(wanted, self.incoming, self.window.since())

    @work(thread=True, exit_on_error=False, group="older")
    def read_older(
        self, sources: list[LogSource], incoming: deque[LogLine], since: float | None
    ) -> None:
        """Worker: a longer tail per container, keeping what comes before its oldest line."""
        try:
            older, done = read_older(self.backend, sources, since, PAGE)
        except Exception as exc:
            self.post_message(OlderLoaded([], [], error=f"cannot read older lines: {exc}"))
            return
        if incoming is self.incoming:  # not from before a window change
            self.post_message(OlderLoaded(older, done))

    def on_older_loaded(self, message: OlderLoaded) -> None:
        """Put the older lines in front (merged by time), keeping the view where it was."""
        self.loading_older = False
        for source in message.done:
            source.exhausted = True
        if message.error:
            self.say(message.error)
            return
        older = sorted(message.lines, key=order_key) if self.merged else message.lines
        kept = self.buffer.prepend(older)
        for source in self.sources:
            mine = [line for line in kept if line.source == source.name]
            source.received += len(mine)
            source.oldest = mine[0] if mine else source.oldest
            if len(mine) < sum(1 for line in older if line.source == source.name):
                source.exhausted = False  # cut by the bound: there is more
        if self.merged and kept:
            # Older lines of one container can be newer than another's oldest: sort them in.
            top = (
                self.view.lines[self.view.line_at(round(self.view.scroll_y))[0]]
                if self.view.lines
                else None
            )
            self.buffer.replace(sorted(self.buffer.lines, key=order_key))
            self.view.set_lines(self.filter.apply(self.buffer.lines))
            if top is not None:
                self.view.scroll_to(
                    y=self.view.row_of(_index_of(self.view.lines, top)), animate=False
                )
        else:
            self.view.prepend(self.filter.apply(kept))
        if not kept:
            self.say("no older lines in this window", error=False)
        self.update_status()

    # Filter, window and save prompts -------------------------------------------------------

    def open_prompt(self, purpose: str, value: str) -> None:
        """Ask for a filter, a window or a path in the prompt box."""
        self.prompt_for = purpose
        box = self.query_one("#log-prompt", Input)
        box.placeholder = PROMPTS[purpose]
        box.value = value
        box.cursor_position = len(value)
        box.add_class("shown")
        box.focus()

    def action_filter(self) -> None:
        """Type a filter: only the lines that match are shown."""
        self.open_prompt("filter", self.filter.pattern)

    def action_window(self) -> None:
        """Type a window: the last N lines, since a duration, or all."""
        self.open_prompt("window", self.window.describe())

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
            self.set_filter(value, self.regex, self.case_sensitive)
        elif self.prompt_for == "window":
            try:
                window = parse_window(value)
            except LogQueryError as exc:
                self.say(str(exc))
                return
            self.notice = ""
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
        self.filter, self.regex, self.case_sensitive = new, regex, case_sensitive
        self.notice = ""
        self.view.set_lines(self.filter.apply(self.buffer.lines))
        if self.paused:  # what came in meanwhile is filtered in too
            self.new_while_paused = 0
        self.update_status()
        return True

    def action_toggle_regex(self) -> None:
        """The filter is a regular expression, or plain text."""
        self.set_filter(self.filter.pattern, not self.regex, self.case_sensitive)

    def action_toggle_case(self) -> None:
        """The filter tells upper and lower case apart, or not."""
        self.set_filter(self.filter.pattern, self.regex, not self.case_sensitive)

    # Save and copy -------------------------------------------------------------------------

    def lines_to_save(self, whole: bool) -> Iterator[str]:
        """The lines shown, or (blocking: in a worker) the whole log read again from the engine."""
        if whole:
            return (self.plain_line(line) for line in whole_logs(self.backend, self.sources))
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
        self.notice = ""
        if not self.paused:
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
