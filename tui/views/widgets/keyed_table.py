"""A DataTable that is updated in place by row key and keeps its cursor on the same row.

DataTable redraws every row in view for any change to a cell (`update_cell` refreshes the whole
widget and its render caches are keyed by a count of changes): at 200x50, forty rows of stats
for a status that changed in one row. A KeyedTable redraws only the rows whose cells changed,
as long as no column can change width (a fixed-width column, or a cell as wide as before);
the rows around them are still right, so Textual's cache of drawn lines keeps them.

A one-line text cell is drawn without Rich's general layout (a padding inside a styled
renderable, each rendered to lines and cropped): the same segments in a fifth of the time,
which is most of drawing a screen of rows (`tests/tui/test_keyed_table_cells.py` compares
the two on every kind of cell).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.color import Color
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowKey

from tui.views.formats import plain


class KeyedTable(DataTable[Any]):
    """Rows are added, changed and removed by key; never cleared and refilled."""

    BINDINGS = [  # noqa: RUF012
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    _rows_only = False  # while True, a refresh of the whole table waits for refresh_row
    # While lines are drawn: the styles DataTable would otherwise work out again for each line
    # (walking every ancestor's CSS), once per call of render_lines; nothing restyles meanwhile.
    _frame: dict[Any, Any] | None = None

    def __init__(self, *, unique_column: str, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.unique_column = unique_column
        # Each row's cells as last given: a row given the same cells again (most rows in view,
        # every second) is left alone without a cell-by-cell look.
        self._given: dict[str, list[Any]] = {}

    def clear(self, columns: bool = False) -> KeyedTable:
        """As DataTable's (the rows' cells as given go too)."""
        self._given.clear()
        super().clear(columns)
        return self

    def remove_row(self, row_key: RowKey | str) -> None:
        """As DataTable's (its cells as given go too)."""
        self._given.pop(row_key.value or "" if isinstance(row_key, RowKey) else row_key, None)
        super().remove_row(row_key)

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> KeyedTable:
        """As DataTable's, except while cells change that leave every other row as drawn."""
        if self._rows_only and not (regions or layout or recompose):
            return self  # upsert refreshes the row
        super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        return self

    def render_lines(self, crop: Region) -> list[Strip]:
        """As DataTable's, working out the table's own styles once for all the lines."""
        self._frame = {}
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def _once(self, key: Any, work: Callable[[], Any]) -> Any:
        """`work()`, once per call of render_lines (every time outside one)."""
        frame = self._frame
        if frame is None:
            return work()
        if key not in frame:
            frame[key] = work()
        return frame[key]

    @property
    def rich_style(self) -> Style:
        """As DataTable's (DOMNode's), once per call of render_lines."""
        return self._once("rich_style", lambda: super(KeyedTable, self).rich_style)  # type: ignore[no-any-return]

    @property
    def background_colors(self) -> tuple[Color, Color]:
        """As DataTable's (DOMNode's), once per call of render_lines."""
        return self._once("background", lambda: super(KeyedTable, self).background_colors)  # type: ignore[no-any-return]

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:  # DataTable's
        """As DataTable's, once per kind of row (header, fixed, odd, even) and base style."""
        kind = (row_index == -1, row_index < self.fixed_rows, row_index % 2, base_style)
        return self._once(  # type: ignore[no-any-return]
            kind, lambda: super(KeyedTable, self)._get_row_style(row_index, base_style)
        )

    def _render_line_in_row(  # DataTable's
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[list[list[Segment]], list[list[Segment]]]:
        """As DataTable's for a table without row labels or fixed columns, which works out
        the header's style (walking every ancestor's CSS) for each row only to use it for
        those, and each column's width twice."""
        if self._should_render_row_labels or self.fixed_columns:
            return super()._render_line_in_row(  # type: ignore[no-any-return]
                row_key, line_no, base_style, cursor_location, hover_location
            )
        cursor_type, show_cursor = self.cursor_type, self.show_cursor
        cache_key = (
            row_key,
            line_no,
            base_style,
            cursor_location,
            hover_location,
            cursor_type,
            show_cursor,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        drawn = self._row_render_cache.get(cache_key)
        if drawn is not None:
            return drawn  # type: ignore[no-any-return]
        highlight = self._should_highlight
        row_index = self._row_locations.get(row_key)
        if row_index is None:
            row_index = -1  # the header
        row_style = self._get_row_style(row_index, base_style)
        widths = [column.get_render_width(self) for column in self.ordered_columns]
        cells = [
            self._render_cell(
                row_index,
                column_index,
                row_style,
                width,
                cursor=highlight(cursor_location, Coordinate(row_index, column_index), cursor_type),
                hover=highlight(hover_location, Coordinate(row_index, column_index), cursor_type),
            )[line_no]
            for column_index, width in enumerate(widths)
        ]
        # The rest of the line, past the last column, in the row's colours (cursor_type "row")
        remaining = max(0, self.size.width - sum(widths) - self._row_label_column_width)
        if cursor_type == "row":
            extend_style, _ = self._get_styles_to_render_cell(
                row_index == -1,
                False,
                False,
                highlight(hover_location, Coordinate(row_index or 0, 0), cursor_type),
                row_index == cursor_location.row,
                show_cursor,
                self._show_hover_cursor,
                False,
                False,
            )
            extend_style = row_style + extend_style
        elif row_style.bgcolor is not None:
            faded = Color.from_rich_color(row_style.bgcolor).blend(
                self.background_colors[1], factor=0.25
            )
            extend_style = Style.from_color(color=row_style.color, bgcolor=faded.rich_color)
        else:
            extend_style = Style.from_color(row_style.color, row_style.bgcolor)
        extend_style += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        cells.append([Segment(" " * remaining, extend_style)])
        drawn = ([], cells)
        self._row_render_cache[cache_key] = drawn
        return drawn

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:  # DataTable's
        """As DataTable's, measuring text cells by their length: DataTable asks Rich, whose
        console works its options out anew for every cell (a hundred rows: 900 cells)."""
        rest = []
        columns = self.ordered_columns
        for row_key in new_rows:
            row, index = self.rows.get(row_key), self._row_locations.get(row_key)
            if row is None or index is None:
                continue  # removed before it was measured, as DataTable skips it
            if row.label is not None or row.auto_height:
                # before its cells are worked out: DataTable notes the label first, and only
                # then are labels part of the renderables it caches
                rest.append(row_key)
                continue
            cells = self._get_row_renderables(index).cells
            texts = [cell.plain for cell in cells if isinstance(cell, Text)]
            if len(texts) < len(cells):
                rest.append(row_key)
                continue
            for column, text in zip(columns, texts, strict=False):
                # Text's own measure (Text.__rich_measure__): its widest line
                width = max((cell_len(line) for line in text.splitlines()), default=0)
                column.content_width = max(column.content_width, width)
        super()._update_dimensions(rest)

    def _render_cell(  # DataTable's (textual pinned below 8.3 in pyproject.toml for it)
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """One cell's lines, as DataTable draws them; a one-line text cell without Rich's
        general layout."""
        drawn = self._text_cell(row_index, column_index, base_style, width, cursor, hover)
        if drawn is None:
            return super()._render_cell(  # type: ignore[no-any-return]
                row_index, column_index, base_style, width, cursor, hover
            )
        return drawn

    def _text_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool,
        hover: bool,
    ) -> list[list[Segment]] | None:
        """A body cell's lines from DataTable's cache or drawn the fast way (None: a cell
        DataTable draws, see _one_line_text)."""
        if row_index < 0 or column_index < 0:
            return None
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None:
            return None
        key = (  # DataTable's key: a cell drawn either way is found by both
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        drawn = self._cell_render_cache.get(key)
        if drawn is not None:
            return drawn
        cell = self._one_line_text(row_index, row_key, column_index, width)
        if cell is None:
            return None
        style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        meta = Style.from_meta({"row": row_index, "column": column_index})
        drawn = [self._text_line(cell, width, base_style + meta + style, post_style)]
        self._cell_render_cache[key] = drawn
        return drawn

    def _one_line_text(
        self, row_index: int, row_key: RowKey, column_index: int, width: int
    ) -> Text | None:
        """The cell as Text when the fast way draws it exactly as DataTable would: a body cell
        of a one-line row (no fixed rows or columns), one line of text, room inside padding."""
        if self.fixed_rows or self.fixed_columns or width <= 2 * self.cell_padding:
            return None
        row = self.rows.get(row_key)
        if row is None or row.height != 1:
            return None
        cells = self._get_row_renderables(row_index).cells
        cell = cells[column_index] if column_index < len(cells) else None
        if not isinstance(cell, Text) or "\n" in cell.plain:
            return None
        return cell

    def _text_line(self, cell: Text, width: int, style: Style, post_style: Style) -> list[Segment]:
        """The segments Rich gives for Styled(Padding(cell, (0, padding))) one line high.

        Textual's console options give no justify or overflow, so the cell's own (or Rich's
        defaults) decide. Text that fits, unjustified and without tabs, is drawn as it is.
        """
        console = self.app.console
        padding = self.cell_padding
        inner = width - 2 * padding
        justify = cell.justify or "default"
        text = cell
        if justify != "default" or cell.cell_len > inner or "\t" in cell.plain:
            tab_size = console.tab_size if cell.tab_size is None else cell.tab_size
            lines = cell.wrap(
                console,
                inner,
                justify=justify,
                overflow=cell.overflow or "fold",
                tab_size=tab_size or 8,
                no_wrap=True,
            )
            text = Text("\n").join(lines[:1])
        elif cell.style:
            text = Text("\n").join([cell])  # as Rich renders it: the text's style as a span
        segments = list(text.render(console))
        fill = inner - text.cell_len
        if fill < 0:  # overflow "ignore" leaves the text whole: the column cuts it
            segments, fill = Segment.adjust_line_length(segments, inner), 0
        if len(segments) == 1 and segments[0].style is None:  # unstyled: one segment
            line = [Segment(f"{' ' * padding}{segments[0].text}{' ' * (fill + padding)}")]
        else:
            line = [Segment(" " * padding), *segments, Segment(" " * (fill + padding))]
        return list(Segment.apply_style(line, style, post_style or None))

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or None for an empty table."""
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return row_key.value

    def row_keys(self) -> set[str]:
        """The keys of the rows shown."""
        return {key.value for key in self.rows if key.value is not None}

    def upsert(self, key: str, cells: Sequence[Any]) -> bool:
        """Add the row, or change only the cells that differ (text is never markup, and its
        control characters show as text: see formats.plain).

        Returns whether the table changed (and so will be redrawn).
        """
        given = list(cells)
        if self._given.get(key) == given and RowKey(key) in self.rows:
            return False
        self._given[key] = given
        cells = [plain(cell) if isinstance(cell, str | Text) else cell for cell in given]
        if RowKey(key) not in self.rows:
            self.add_row(*cells, key=key)
            return True
        changes = []
        for column_key, value in zip(self.columns, cells, strict=False):
            old = self.get_cell(key, column_key)
            if old != value:
                changes.append(
                    (column_key, value, _keeps_width(self.columns[column_key], old, value))
                )
        if not changes:
            return False
        self._rows_only = all(keeps for _, _, keeps in changes)
        try:
            for column_key, value, _ in changes:
                self.update_cell(key, column_key, value, update_width=True)
        finally:
            self._rows_only = False
        self.refresh_row(self.get_row_index(key))
        return True

    def keys_on_screen(self) -> list[str]:
        """The keys of the rows in view now, top to bottom."""
        first = int(self.scroll_y)
        rows = self.ordered_rows[first : first + max(1, self.size.height)]
        return [str(row.key.value) for row in rows]

    def update_on_screen(self, rows: Mapping[str, Sequence[Any]]) -> bool:
        """Bring the rows in view up to date from `rows`; whether the table changed."""
        changed = False
        for key in self.keys_on_screen():
            if key in rows:
                changed = self.upsert(key, rows[key]) or changed
        return changed

    def sync(
        self,
        rows: Mapping[str, Sequence[Any]],
        rank: Callable[[str], Any] | None = None,
        reverse: bool = False,
        *,
        changed: Collection[str] | None = None,
    ) -> None:
        """Make the table show exactly `rows`, in `rank` order, cursor on the same key.

        With `changed`, only new rows, rows in view and rows in `changed` have their cells
        compared (and `rows` may compute cells when asked); rows out of view keep theirs until
        `update_on_screen` brings them up to date. Any change to a DataTable redraws every row
        in view, so a change nobody can see should not make one.
        """
        keep = self.cursor_key
        present = self.row_keys()
        for key in present - rows.keys():
            self.remove_row(key)
        for key in rows:
            if changed is None or key not in present or key in changed:
                self.upsert(key, rows[key])
        if rank is not None:
            self.order(rank, reverse)
        if keep is None:  # first rows: start at the top
            self.move_cursor(row=0, animate=False)
        else:
            self.follow(keep)
        if changed is not None:
            self.update_on_screen(rows)

    def order(self, rank: Callable[[str], Any], reverse: bool = False) -> None:
        """Sort rows by `rank(row key)` (looked up through the unique column's text)."""
        current = [row.key.value or "" for row in self.ordered_rows]
        if current == sorted(current, key=rank, reverse=reverse):
            return  # already in order: sorting would make the table redraw every row
        keep = self.cursor_key
        by_text = {
            str(self.get_cell(key, self.unique_column)): key.value or "" for key in self.rows
        }
        self.sort(self.unique_column, key=lambda cell: rank(by_text[str(cell)]), reverse=reverse)
        self.follow(keep)

    def follow(self, key: str | None) -> None:
        """Put the cursor back on `key` if that row is still shown."""
        if key is not None and RowKey(key) in self.rows:
            index = self.get_row_index(key)
            if index != self.cursor_row:
                self.move_cursor(row=index, animate=False)


def _keeps_width(column: Any, old: Any, new: Any) -> bool:
    """Whether a cell's new value cannot change its column's width."""
    if not column.auto_width:
        return True  # a fixed width: a longer figure is cut
    return isinstance(old, Text) and isinstance(new, Text) and old.cell_len == new.cell_len


class LazyRows(Mapping[str, Sequence[Any]]):
    """Rows by key, in order, whose cells are computed only when asked for (see `sync`)."""

    def __init__(self, keys: Sequence[str], cells: Callable[[str], Sequence[Any]]) -> None:
        self._keys = dict.fromkeys(keys)
        self._cells = cells

    def __getitem__(self, key: str) -> Sequence[Any]:
        if key not in self._keys:
            raise KeyError(key)
        return self._cells(key)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
