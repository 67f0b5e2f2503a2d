"""BaselinePane in a tiny app, fed with fixed profiles and container figures."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import App, ComposeResult
from textual.widgets import Select, Static

from tui.baseline.compare import MIB
from tui.baseline.lesson import LessonResult, UnitResult, UnitSample, unavailable
from tui.baseline.measure import lesson_document
from tui.baseline.profiles import Profile, load_reference_profiles, parse_profiles
from tui.baseline.report import (
    bar,
    live_rows,
    memory_digits,
    phase_text,
    ready_digits,
    summary,
)
from tui.engine.footprint import ContainerFootprint
from tui.views.baseline.pane import BaselinePane
from tui.views.baseline.panel import FigureGrid, result_grid

GIB = 1024 * MIB
BASE = ("sha256:base", 100 * MIB)


def measured_profile() -> Profile:
    def unit(kind: str, **kw: object) -> UnitResult:
        base = {
            "kind": kind, "available": True, "note": "", "ready_seconds": 0.5,
            "host_memory_bytes": 14 * MIB, "guest_memory_bytes": None, "idle_cpu_percent": 0.0,
            "disk_bytes": 100 * MIB, "workload_seconds": 2.0, "kernel": "6.1.0",
            "emulated": False, "cost_bytes": 14 * MIB,
        }  # fmt: skip
        return UnitResult(**{**base, **kw})  # type: ignore[arg-type]

    vm = unit("vm", ready_seconds=4.0, host_memory_bytes=700 * MIB, guest_memory_bytes=512 * MIB,
              disk_bytes=110 * MIB, emulated=True, cost_bytes=712 * MIB)  # fmt: skip
    result = LessonResult(
        "debian:bookworm-slim", "tcg", "labhost", datetime(2026, 1, 2, tzinfo=UTC).isoformat(),
        {"qemu": "QEMU 7.2"}, 16 * GIB,
        {"container": unit("container"), "gvisor": unit("gvisor"), "vm": vm},
    )  # fmt: skip
    return parse_profiles(lesson_document(result))[0]


def profiles() -> list[Profile]:
    return [measured_profile(), *load_reference_profiles()]


def containers() -> list[ContainerFootprint]:
    return [
        ContainerFootprint("aaa111", "trainer", "lab:latest", 50 * MIB, 0.25, (BASE,)),
        ContainerFootprint("bbb222", "web", "nginx", 30 * MIB, 0.15, (BASE, ("sha256:w", MIB))),
    ]


class PaneApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.changes: list[str] = []

    def compose(self) -> ComposeResult:
        yield BaselinePane(profiles(), containers(), selected="trainer", host_memory_bytes=16 * GIB)

    def on_baseline_pane_profile_changed(self, event: BaselinePane.ProfileChanged) -> None:
        self.changes.append(event.profile_id)


def grid_rows(app: App[None], selector: str) -> list[list[str]]:
    """The plain text of a FigureGrid, row by row."""
    grid = app.query_one(selector, FigureGrid)
    cells = [str(label.content) for label in grid.labels()]
    columns = grid.styles.grid_size_columns or 1
    return [cells[i : i + columns] for i in range(0, len(cells), columns)]


def row_of(rows: list[list[str]], label: str) -> list[str]:
    return next(row for row in rows if row[0] == label)


def source_text(app: App[None]) -> str:
    return str(app.query_one("#baseline-source", Static).content)


def test_bar_scales_and_never_hides_a_nonzero_value():
    assert bar(10, 10, width=8) == "█" * 8
    assert bar(0.001, 10, width=8) == "█"
    assert bar(None, 10) == "" and bar(0, 10) == ""


async def test_one_table_for_the_selected_and_all_with_the_measured_source():
    app = PaneApp()
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        assert "measured on this host (labhost, QEMU tcg, 2026-01-02)" in source_text(app)
        rows = grid_rows(app, "#baseline-compare")
        assert rows[0] == [
            "",
            "trainer (lab:latest)",
            "as a VM, measured",
            "all 2 running",
            "as VMs, measured",
        ]
        # trainer: 50 MiB vs a 512 MiB guest + 200 MiB of QEMU; 250 ms vs 4.25 s; 100 vs 110 MiB.
        assert row_of(rows, "Memory")[1:3] == ["50.0 MiB", "712.0 MiB (14.2x)"]
        assert row_of(rows, "Start")[1:3] == ["250 ms", "4.25 s (17.0x)"]
        assert row_of(rows, "Disk")[1:3] == ["100.0 MiB", "110.0 MiB (1.1x)"]
        assert row_of(rows, "Memory")[3] == "80.0 MiB"  # 50 + 30
        assert row_of(rows, "Disk")[3] == "101.0 MiB"  # the shared base layer once


async def test_a_profile_without_a_cited_boot_time_says_so_and_c_shows_every_citation():
    app = PaneApp()
    async with app.run_test(size=(120, 50)) as pilot:
        pane = app.query_one(BaselinePane)
        pane.focus()
        select = app.query_one("#baseline-profile", Select)
        select.value = "firecracker-microvm"
        await pilot.pause()
        assert pane.profile.id == "firecracker-microvm"
        assert app.changes == ["firecracker-microvm"]
        assert "cited" in source_text(app) and "c: full citations" in source_text(app)
        assert "github.com/firecracker" not in source_text(app)  # one line until `c`
        rows = grid_rows(app, "#baseline-compare")
        assert rows[0][2] == "as a VM, cited"
        assert row_of(rows, "Memory")[2].startswith("261.0 MiB")  # 256 MiB microVM + 5 MiB VMM
        assert row_of(rows, "Start")[2].startswith("375 ms")  # 125 ms boot + 250 ms start

        await pilot.press("c")
        assert "Firecracker Specification" in source_text(app)
        assert "github.com/firecracker" in source_text(app)
        await pilot.press("c")
        assert "github.com/firecracker" not in source_text(app)

        pane.set_profile("kvm-ubuntu-server")
        await pilot.pause()
        assert "Canonical" in source_text(app)
        rows = grid_rows(app, "#baseline-compare")
        assert row_of(rows, "Memory")[2].startswith("1.00 GiB")
        assert row_of(rows, "Start")[2] == "no cited boot time"
        assert row_of(rows, "Start")[4] == "no cited boot time"
        assert not any("n/a" in cell for row in rows for cell in row)


async def test_update_figures_and_selection():
    app = PaneApp()
    async with app.run_test(size=(120, 50)) as pilot:
        pane = app.query_one(BaselinePane)
        pane.update_figures(containers()[1:], selected="web")
        await pilot.pause()
        rows = grid_rows(app, "#baseline-compare")
        assert rows[0][1] == "web (nginx)" and rows[0][3] == "all 1 running"
        assert row_of(rows, "Memory")[1] == "30.0 MiB"
        pane.update_figures(containers())
        pane.update_figures(pane.footprints, selected="aaa")  # an id prefix
        await pilot.pause()
        assert grid_rows(app, "#baseline-compare")[0][1] == "trainer (lab:latest)"
        pane.update_figures([])
        await pilot.pause()
        assert grid_rows(app, "#baseline-compare") == [["No running container to compare."]]


def lesson_result(**units: UnitResult) -> LessonResult:
    """A fixed LessonResult (an allowed fake: the presentation of figures, not their making)."""

    def unit(kind: str) -> UnitResult:
        return UnitResult(
            kind, True, "", 0.5, 20 * MIB, None, 0.2, 80 * MIB, 2.0, "6.1.0", False, 20 * MIB
        )

    return LessonResult(
        "debian:bookworm-slim",
        "tcg",
        "labhost",
        "2026-12-03T21:00:00+00:00",
        {"qemu": "QEMU 7.2"},
        1 * GIB,
        {kind: units.get(kind) or unit(kind) for kind in ("container", "gvisor", "vm")},
    )


def test_each_lesson_figure_says_measured_and_an_emulated_vm_says_so():
    vm = UnitResult("vm", True, "", 14.6, 290 * MIB, 256 * MIB, 3.1, 512 * MIB, 9.7, "6.1.0",
                    True, 300 * MIB)  # fmt: skip
    rows = [[cell.plain for cell in row] for row in result_grid(lesson_result(vm=vm))]
    assert rows[0] == ["", "container (runc)", "gVisor (runsc)", "VM (QEMU TCG, emulated)"]
    by_label = {row[0]: row[1:] for row in rows[1:]}
    assert by_label["guest memory"] == ["—", "—", "256 MiB given"]
    assert by_label["ready time"] == ["500 ms measured", "500 ms measured", "14.60 s measured"]
    assert by_label["host memory"][2] == "290 MiB measured"
    assert by_label["fit in host"] == ["51 measured", "51 measured", "3 measured"]  # 1 GiB / cost
    assert by_label["kernel"][1] == "6.1.0 (own, in Go)"
    assert summary(lesson_result(vm=vm)).endswith("VM: QEMU tcg, emulated (no KVM)")


def test_an_unavailable_unit_says_why_instead_of_figures():
    gvisor = unavailable("gvisor", "this engine has no runsc runtime")
    rows = [[cell.plain for cell in row] for row in result_grid(lesson_result(gvisor=gvisor))]
    assert rows[0][2] == "gVisor (runsc, unavailable)"
    assert rows[1][2] == "this engine has no runsc runtime"
    assert {row[2] for row in rows[2:]} == {"—"}
    assert ready_digits(gvisor) == "-" and memory_digits(None) == "-"


def test_live_rows_show_running_units_only_in_card_order():
    samples = [
        UnitSample("vm", "booting", 99.0, 180 * MIB, "QEMU TCG"),
        UnitSample("gvisor", "stopped", None, None),
        UnitSample("container", "workload", 12.34, 3 * MIB),
    ]
    assert live_rows(samples) == [
        ["container", "running the workload", "12.3 % CPU", "3.0 MiB on the host"],
        ["VM", "booting: QEMU TCG", "99.0 % CPU", "180 MiB on the host"],
    ]
    assert phase_text("vm", "starting") == "exporting disk"
    assert phase_text("container", "idle", "6.1.0") == "idle"  # a marker's note is no reason
