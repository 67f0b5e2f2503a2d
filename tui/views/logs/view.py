"""A log that renders only the rows on screen (toolong's idea), with a line selection.

The lines live in a bounded deque; drawing a frame styles only the visible ones, so a
filter, a toggle or a flood costs the same whatever the number of lines held.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len, get_character_cell_size
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from tui.engine.logs.stream import LogLine

SELECTED = Style(bgcolor="grey30")
CURSOR = Style(bgcolor="grey42", bold=True)


class LogView(ScrollView, can_focus=True):
    """Lines styled by the screen's `style_line` and `plain_line`; only visible rows are drawn."""

    ALLOW_SELECT = True
    BINDINGS = [  # noqa: RUF012
        Binding("up,k", "line(-1)", "Up", show=False),
        Binding("down,j", "line(1)", "Down", show=False),
        Binding("pageup", "line(-20)", "Page up", show=False),
        Binding("pagedown", "line(20)", "Page down", show=False),
        Binding("home,g", "top", "Top", show=False),
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
    ]

    @dataclass(eq=False)
    class ReachedTop(Message):
        """The user is at the top of what is held: older lines may be wanted."""

    @dataclass(eq=False)
    class ScrolledBack(Message):
        """The user scrolled up, away from the newest line: following stops."""

    @dataclass(eq=False)
    class SelectionMoved(Message):
        """The line selection grew or shrank."""

    def __init__(
        self,
        style_line: Callable[[LogLine], Text],
        plain_line: Callable[[LogLine], str],
        max_lines: int,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.style_line = style_line
        self.plain_line = plain_line
        self.lines: deque[LogLine] = deque(maxlen=max_lines)
        self.wrap = False
        self.follow = True  # keep the newest line in sight
        self.mark: int | None = None  # line selection: from mark to cursor (line indexes)
        self.cursor = 0
        self._width = 0
        self._starts: list[int] | None = None  # first row of each line, when wrapping

    # Content -----------------------------------------------------------------------------

    def set_lines(self, lines: Iterable[LogLine]) -> None:
        """Show exactly `lines` (after a filter, a window or a reorder)."""
        self.lines = deque(lines, maxlen=self.lines.maxlen)
        self.mark = None
        self.cursor = min(self.cursor, max(0, len(self.lines) - 1))
        self._width = self._widest(self.lines)
        self._changed()

    def append(self, lines: list[LogLine]) -> None:
        """Add new lines at the bottom (the oldest held go beyond the bound)."""
        if not lines:
            return
        maxlen = self.lines.maxlen or 0
        overflow = max(0, len(self.lines) + len(lines) - maxlen)
        self.lines.extend(lines)
        if overflow and self.mark is not None:
            self.mark = max(0, self.mark - overflow)
            self.cursor = max(0, self.cursor - overflow)
        self._width = max(self._width, self._widest(lines[-maxlen:]))
        self._changed()

    def prepend(self, lines: list[LogLine]) -> None:
        """Add older lines at the top, keeping the rows on screen where they are."""
        if not lines:
            return
        rows_before = self.row_count
        self.lines.extendleft(reversed(lines))
        if self.mark is not None:
            self.mark += len(lines)
        self.cursor += len(lines)
        self._width = max(self._width, self._widest(lines))
        self._changed()
        self.scroll_to(y=self.scroll_y + self.row_count - rows_before, animate=False, force=True)

    def _widest(self, lines: Sequence[LogLine]) -> int:
        """The widest line in cells: C-level loops over the texts (a flood brings 30 000 lines
        a tick), plus what the screen puts in front of a line (name, timestamp)."""
        if not lines:
            return 0
        texts = [line.text for line in lines]
        widest = max(map(len, texts))
        if not all(map(str.isascii, texts)):
            widest = max(map(cell_len, texts))
        margin = max(
            cell_len(self.plain_line(line)) - cell_len(line.text) for line in (lines[0], lines[-1])
        )
        return widest + margin

    def restyle(self) -> None:
        """The way lines look changed (timestamps, wrap, a search): draw them again."""
        self.set_lines(list(self.lines))

    def plain_lines(self) -> list[str]:
        """Every line held, as text the way it is shown."""
        return [self.plain_line(line) for line in self.lines]

    def visible_text(self) -> list[str]:
        """The rows on screen now, as text."""
        return [self.render_line(y).text.rstrip() for y in range(self.size.height)]

    def _changed(self) -> None:
        self._starts = None
        self.virtual_size = Size(self.size.width if self.wrap else self._width, self.row_count)
        if self.follow:
            self.to_end()
        self.refresh()

    def to_end(self) -> None:
        """Show the newest line: now if the size is known, else after the next refresh."""
        # force: before the next layout the scrollbar (and so scrolling) may not be enabled yet
        self.scroll_end(animate=False, x_axis=False, immediate=self.size.height > 0, force=True)

    # Rows --------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Rows the lines take (more than the lines when wrapping)."""
        if not self.wrap:
            return len(self.lines)
        starts = self._row_starts()
        return starts[-1] if starts else 0

    def _row_starts(self) -> list[int]:
        """First row of each line, then the total (computed once per change)."""
        if self._starts is None:
            width = max(1, self.size.width)
            starts, row = [], 0
            for line in self.lines:
                starts.append(row)
                row += max(1, -(-cell_len(self.plain_line(line)) // width))
            starts.append(row)
            self._starts = starts
        return self._starts

    def line_at(self, row: int) -> tuple[int, int]:
        """(line index, row within the line) of a content row."""
        if not self.wrap:
            return row, 0
        starts = self._row_starts()
        index = bisect_right(starts, row) - 1
        return index, row - starts[index]

    def row_of(self, index: int) -> int:
        """The first row of line `index`."""
        return self._row_starts()[index] if self.wrap else index

    def on_resize(self) -> None:
        """Wrapped rows depend on the width; the newest line stays in sight."""
        if self.wrap:
            self._changed()
        elif self.follow:
            self.to_end()

    def render_line(self, y: int) -> Strip:
        """One row of the screen: the part of its line in view, selection highlighted."""
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        index, piece = self.line_at(scroll_y + y)
        if not 0 <= index < len(self.lines):
            return Strip.blank(width, base)
        text = self.style_line(self.lines[index])
        offset = 0
        if self.wrap:
            cuts = _fold_offsets(text.plain, width)
            piece = min(piece, len(cuts))  # the width changed since the rows were counted
            text = text.divide(cuts)[piece]
            offset = [0, *cuts][piece]
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(index)) is not None:
            start, end = span
            style = self.screen.get_component_rich_style("screen--selection")
            text.stylize(style, max(0, start - offset), None if end == -1 else end - offset)
        strip = Strip(text.render(self.app.console), text.cell_len).apply_style(base)
        first, last = self.selected_range()
        if self.mark is not None and first <= index <= last:
            strip = strip.apply_style(CURSOR if index == self.cursor else SELECTED)
        if self.wrap:
            return strip.crop_extend(0, width, base).apply_offsets(offset, index)
        return strip.crop_extend(scroll_x, scroll_x + width, base).apply_offsets(scroll_x, index)

    # Text selection (mouse) ----------------------------------------------------------------

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text under a mouse selection."""
        return selection.extract("\n".join(self.plain_lines())), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        """Draw the selection."""
        self.refresh()

    # Line selection (keyboard) -----------------------------------------------------------

    def start_selection(self) -> None:
        """Start selecting lines at the last line on screen (or stop selecting)."""
        if self.mark is not None:
            self.mark = None
        elif self.lines:
            bottom = self.scroll_y + self.size.height - 1
            self.cursor = min(
                self.line_at(min(round(bottom), self.row_count - 1))[0], len(self.lines) - 1
            )
            self.mark = self.cursor
        self.refresh()

    def selected_range(self) -> tuple[int, int]:
        """First and last line index of the line selection."""
        mark = self.cursor if self.mark is None else self.mark
        return min(mark, self.cursor), max(mark, self.cursor)

    def selected_lines(self) -> list[str]:
        """The lines selected with the keyboard, as shown."""
        if self.mark is None:
            return []
        first, last = self.selected_range()
        return [self.plain_line(self.lines[i]) for i in range(first, last + 1)]

    def action_line(self, step: int) -> None:
        """Move the selection's end, or scroll, by `step` lines."""
        if self.mark is not None and self.lines:
            self.cursor = max(0, min(len(self.lines) - 1, self.cursor + step))
            row = self.row_of(self.cursor)
            if row < self.scroll_y:
                self.scroll_to(y=row, animate=False)
            elif row >= self.scroll_y + self.size.height:
                self.scroll_to(y=row - self.size.height + 1, animate=False)
            self.refresh()
            self.post_message(self.SelectionMoved())
        elif step < 0 and self.scroll_y == 0:
            self.post_message(self.ReachedTop())
        else:
            if step < 0:
                self.scroll_back()
            self.scroll_to(y=self.scroll_y + step, animate=False)

    def action_top(self) -> None:
        """Go to the first line held (and ask for older ones)."""
        self.scroll_back()
        self.scroll_to(y=0, animate=False)
        self.post_message(self.ReachedTop())

    def on_mouse_scroll_up(self) -> None:
        """The wheel up leaves the newest line too."""
        self.scroll_back()

    def scroll_back(self) -> None:
        """Stop following: the user reads older lines."""
        if self.follow:
            self.follow = False
            self.post_message(self.ScrolledBack())

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Reaching the top by scrolling asks for older lines."""
        super().watch_scroll_y(old_value, new_value)
        if round(new_value) == 0 and round(old_value) > 0:
            self.post_message(self.ReachedTop())


def _fold_offsets(plain: str, width: int) -> list[int]:
    """Where to cut `plain` into rows of `width` cells (wide characters count twice)."""
    if width < 2:
        return []
    if cell_len(plain) == len(plain):
        return list(range(width, len(plain), width))
    cuts, used = [], 0
    for index, char in enumerate(plain):
        size = get_character_cell_size(char)
        if used + size > width:
            cuts.append(index)
            used = 0
        used += size
    return cuts
