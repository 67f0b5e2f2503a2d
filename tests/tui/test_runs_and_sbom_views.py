"""The Training tab's run history and compare screen, and the Images tab's SBOM screen, in the
whole dashboard on fixed data (FixedBackend; the runs are files in a temporary runs/).

Real runs and a real image's SBOM are tests/integration/test_reproducible.py's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from tests.tui.dashboard_helpers import record_notices, settled, until
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tests.unit.test_run_history import record
from tui.lab.runs import write_record
from tui.paths import PROJECT_ENV, LabPaths
from tui.session import DockerLab
from tui.views.app import ContainerLabApp
from tui.views.run_compare import MARK, RunCompareScreen
from tui.views.sbom_screen import SbomScreen
from tui.views.training_pane import TrainingPane


def _lab(tmp_path: Path) -> DockerLab:
    paths = LabPaths(tmp_path)
    paths.models.mkdir()
    runc = record("r1", "19:52:02")
    write_record(paths, runc)
    write_record(
        paths,
        record(
            "r2",
            "19:52:50",
            runtime="container-lab-runsc",
            provenance={
                **(runc.provenance or {}),
                "run_id": "r2",
                "environment": {"runtime": "container-lab-runsc", "kernel": {"inside": "4.4.0"}},
            },
        ),
    )
    write_record(paths, record("r3", "19:53:40", status="failed", digest="", metrics={}))
    return DockerLab(f"unix://{tmp_path}/no-engine.sock", paths)


@pytest.mark.parametrize("size", [(100, 30), (200, 50)])
async def test_the_history_lists_runs_and_two_marked_compare_side_by_side(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock, lab=_lab(tmp_path))
    async with app.run_test(size=size) as pilot:
        await settled(pilot, 4)
        await pilot.press("3")
        pane = app.query_one(TrainingPane)
        table = pane.runs_table
        await until(pilot, lambda: table.row_count == 3, what="the three runs")
        assert table.cursor_key == "r3"  # newest first
        assert pane.query_one("#runs-table").region.height >= 4, "the list is visible"
        keys = [column.key.value for column in table.ordered_columns]
        upto = keys.index("reproduced") + 1  # the digest and its answer, without scrolling
        shown = sum(c.get_render_width(table) for c in table.ordered_columns[:upto])
        assert shown <= table.scrollable_content_region.width, f"{keys[:upto]} scroll off"
        await pilot.press("down")  # r2
        await pilot.press("space")
        await pilot.press("down")  # r1
        await pilot.press("space")
        assert sorted(pane.marked) == ["r1", "r2"]
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, RunCompareScreen), what="the compare")
        screen = app.screen
        assert isinstance(screen, RunCompareScreen)
        title = str(screen.query_one("#compare-title", Static).render())
        assert "model digests identical" in title
        differing = {row.field for row in screen.differing}
        assert {"runtime", "environment.kernel.inside"} <= differing
        assert "digest" not in differing
        compared = screen.query_one("#compare-table", DataTable)
        marks = [str(compared.get_row_at(i)[0]) for i in range(compared.row_count)]
        assert marks.count(MARK) == len(screen.differing)
        await pilot.press("f")
        assert compared.row_count == len(screen.differing)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, RunCompareScreen), what="back")


async def test_compare_with_fewer_than_two_marks_says_what_to_do(tmp_path: Path) -> None:
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock, lab=_lab(tmp_path))
    notices = record_notices(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, 4)
        await pilot.press("3")
        pane = app.query_one(TrainingPane)
        await until(pilot, lambda: pane.runs_table.row_count == 3, what="the runs")
        await pilot.press("d")
        await until(pilot, lambda: any("mark two runs" in n for n in notices), what="the hint")
        assert not isinstance(app.screen, RunCompareScreen)


@pytest.mark.parametrize("read_only", [False, True])
async def test_b_shows_an_images_sbom_and_s_saves_it_unless_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_only: bool
) -> None:
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))
    (tmp_path / ".lab").mkdir(mode=0o700)
    app = ContainerLabApp(FixedBackend(), clock=fixed_clock, read_only=read_only)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, 4)
        await pilot.press("2")
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, SbomScreen), what="the SBOM screen")
        screen = app.screen
        assert isinstance(screen, SbomScreen)
        summary = str(screen.query_one("#sbom-summary", Static).render())
        assert "debian" in summary and "python" in summary, summary
        await pilot.press("s")
        await pilot.pause()
        saved = list((tmp_path / ".lab").rglob("*.cdx.json"))
        assert (saved == []) is read_only, saved
        if not read_only:
            assert screen.saved == saved[0] and (saved[0].stat().st_mode & 0o777) == 0o644
