"""A KeyedTable redraws the rows that changed, and what it shows is what a fresh table shows."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.geometry import Region

from tests.tui.dashboard_helpers import until
from tests.tui.fixed_backend import FixedBackend, container, fixed_clock
from tui.views.app import ContainerLabApp
from tui.views.widgets.keyed_table import KeyedTable

ROWS = 30
SIZE = (80, 40)  # every row in view


class CountingTable(KeyedTable):
    """Counts the lines it draws."""

    drawn = 0

    def render_line(self, y: int) -> Any:
        self.drawn += 1
        return super().render_line(y)


def _rows(status: dict[int, str] | None = None) -> dict[str, list[str]]:
    status = status or {}
    return {
        f"c{n:02}": [f"c{n:02}", status.get(n, "Up 11 minutes"), f"{n}.00%"] for n in range(ROWS)
    }


class TableApp(App[None]):
    def __init__(self, rows: dict[str, list[str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = CountingTable(unique_column="name")
        table.add_column("Name", key="name")
        table.add_column("Status", key="status")
        table.add_column("CPU %", key="cpu", width=8)
        yield table

    def on_mount(self) -> None:
        self.query_one(CountingTable).sync(self.rows)


def _lines(table: KeyedTable) -> list[str]:
    """The table as drawn now (what the screen gets), line by line."""
    width, height = table.size
    return [strip.text for strip in table.render_lines(Region(0, 0, width, height))]


async def _drawn_after(change: dict[int, str]) -> tuple[int, list[str]]:
    """Lines drawn for a change of some statuses, and the table as drawn after it."""
    app = TableApp(_rows())
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(CountingTable)
        await pilot.pause()
        _lines(table)
        table.drawn = 0
        table.sync(_rows(change))
        await pilot.pause()
        return table.drawn, _lines(table)


async def _fresh(change: dict[int, str]) -> list[str]:
    app = TableApp(_rows(change))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        return _lines(app.query_one(CountingTable))


async def test_a_cell_that_keeps_its_width_redraws_its_row_only() -> None:
    # This failed before: any update_cell redrew every row in view (31 lines for one status).
    change = {3: "Up 12 minutes"}
    drawn, lines = await _drawn_after(change)
    assert drawn == 1
    assert lines == await _fresh(change)


async def test_a_cell_that_changes_its_width_redraws_the_table() -> None:
    change = {3: "Up About an hour"}  # wider than any other status: the column grows
    drawn, lines = await _drawn_after(change)
    assert drawn > ROWS
    assert lines == await _fresh(change)


async def test_a_fixed_width_column_redraws_the_row_only() -> None:
    app = TableApp(_rows())
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(CountingTable)
        await pilot.pause()
        _lines(table)
        table.drawn = 0
        rows = _rows()
        rows["c05"][2] = "100.00%"  # wider than the others, in an 8-column wide column
        table.sync(rows)
        await pilot.pause()
        assert table.drawn == 1
        assert "100.00%" in _lines(table)[6]  # the header, then c00 to c05


async def test_rows_given_the_same_cells_again_are_not_looked_at_cell_by_cell() -> None:
    # The containers table gives every row in view its cells again each second: before, each
    # was compared cell by cell (a third of the dashboard's own CPU at 200x50, bench/).
    app = TableApp(_rows())
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(CountingTable)
        await pilot.pause()
        looked = 0
        get_cell = table.get_cell

        def counted(*args: Any) -> Any:
            nonlocal looked
            looked += 1
            return get_cell(*args)

        table.get_cell = counted  # type: ignore[method-assign,assignment]
        table.sync(_rows())
        assert looked == 0
        table.sync(_rows({4: "Up 12 minutes"}))  # a changed row is still compared and drawn
        assert looked == 3
        await pilot.pause()
        assert "Up 12 minutes" in _lines(table)[5]
        table.remove_row("c04")
        table.sync(_rows())  # the removed row comes back as a new row, as given
        await pilot.pause()
        assert table.row_count == ROWS and str(get_cell("c04", "status")) == "Up 11 minutes"


async def test_the_dashboard_s_first_rows_show_whole_once_measured() -> None:
    # The dashboard draws its first frame before DataTable measures the rows just given (when
    # idle): each column as wide as its label. Measured, the columns widen, and the new
    # virtual width comes as a Resize at the same table width: the rows were kept as first
    # drawn, cut to the labels' widths ("affe  creat  debia" on a real dashboard) until a cell
    # changed, which for created containers (no stats, no uptime) is never. Failed before.
    backend = FixedBackend()
    backend.infos = {
        info.id: info
        for info in (
            container(f"{n:04x}", f"a-container-with-a-long-name-{n}", state="created")
            for n in range(12)
        )
    }
    app = ContainerLabApp(backend, clock=fixed_clock)
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.containers.table
        await until(pilot, lambda: table.row_count == 12, what="the rows listed")
        await pilot.pause(0.5)
        shown = "\n".join(_lines(table))
        assert "a-container-with-a-long-name-0 " in shown, shown
