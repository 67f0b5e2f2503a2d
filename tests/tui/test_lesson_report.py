"""The lesson's results say the same in the shell and on the VM baseline tab.

`container-lab baseline measure` prints them (tui/baseline/cli.py, result_lines); the tab's
lesson panel shows them (LessonPanel.show_result). Both must give the same columns, the same
rows in the same order, and the same figure in each cell. The result is typed in (an allowed
fake: this is about the words, the real lesson is tests/integration/test_lesson.py).
"""

from __future__ import annotations

from test_baseline_pane import GIB
from test_baseline_pane_snapshot import fixed_result
from textual.app import App, ComposeResult

from tui.baseline.cli import result_lines
from tui.baseline.compare import MIB
from tui.baseline.results import LessonResult, UnitKind, unavailable
from tui.views.baseline.panel import FigureGrid, LessonPanel

SOURCE_WORDS = (" measured", " cited")  # the tab marks each figure's source; the shell's summary
# line says once that every figure was measured on this host


class PanelApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LessonPanel(id="lesson")


async def tab_rows(result: LessonResult) -> list[list[str]]:
    """The lesson's results table as the tab shows it, row by row."""
    app = PanelApp()
    async with app.run_test(size=(160, 40)) as pilot:
        app.query_one(LessonPanel).show_result(result)
        await pilot.pause()
        grid = app.query_one("#lesson-results", FigureGrid)
        cells = [str(label.content) for label in grid.labels()]
        columns = grid.styles.grid_size_columns or 1
    return [cells[i : i + columns] for i in range(0, len(cells), columns)]


def bare(cell: str) -> str:
    for word in SOURCE_WORDS:
        cell = cell.removesuffix(word)
    return cell


def shell_row(lines: list[str], label: str) -> str:
    """The shell's line of a row: it starts with the label, then at least two spaces."""
    found = [line for line in lines if line.startswith(f"{label}  ")]
    assert len(found) == 1, (label, lines)
    return found[0]


def assert_same(lines: list[str], rows: list[list[str]]) -> None:
    header, body = rows[0], rows[1:]
    titles = lines[1]
    at = 0
    for title in header[1:]:  # the same column titles, in the same order
        at = titles.index(title, at) + len(title)
    assert [line.split("  ")[0] for line in lines[2 : 2 + len(body)]] == [r[0] for r in body]
    for row in body:  # each cell's figure, in the same column order
        line, at = shell_row(lines, row[0]), len(row[0])
        for cell in row[1:]:
            at = line.index(bare(cell), at) + len(bare(cell))


async def test_the_shell_and_the_tab_show_the_same_rows_and_words():
    result = fixed_result()
    lines = result_lines(result)
    rows = await tab_rows(result)
    assert len(rows) == 9 and len(rows[0]) == 4  # a header, eight figures, three kinds
    assert_same(lines, rows)
    assert lines[0].endswith("VM: QEMU tcg, emulated (no KVM)")  # the tab's summary line too


async def test_a_unit_that_did_not_run_reads_the_same_in_both():
    base = fixed_result()
    why = "this engine has no runsc runtime"
    units = {**base.units, UnitKind.GVISOR: unavailable(UnitKind.GVISOR, why, disk=74 * MIB)}
    result = LessonResult(
        base.image,
        base.accelerator,
        base.host,
        base.date,
        base.versions,
        4 * GIB,
        units,
        base.run_id,
    )
    lines = result_lines(result)
    rows = await tab_rows(result)
    assert rows[0][1:] == [
        "container (runc)",
        "gVisor (runsc, unavailable)",
        "VM (QEMU TCG, emulated)",
    ]
    assert rows[1][2] == why
    assert_same(lines, rows)
    assert f"  gVisor: {why}" in lines  # the shell also lists each unit's note below
