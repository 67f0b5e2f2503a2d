"""Snapshots of the VM baseline tab (update with `./lab test tests/tui --snapshot-update`).

The data is fixed on purpose, an allowed fake: a LessonResult and live samples typed in here
(the real lesson takes a minute and its figures change every run), fixed profiles and container
figures, a frozen clock. A change in what the class sees must show up here as a reviewed change.
"""

from __future__ import annotations

from test_baseline_pane import GIB, PaneApp, containers, profiles

from tests.tui.dashboard_helpers import settled, until
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tui.baseline.compare import MIB
from tui.baseline.lesson import LessonResult, UnitResult, UnitSample
from tui.views.app import ContainerLabApp
from tui.views.baseline.pane import BaselinePane


def unit(kind: str, ready: float, memory: int, disk: int, workload: float, **kw) -> UnitResult:
    fields = {
        "available": True, "note": "", "guest_memory_bytes": None, "idle_cpu_percent": 0.1,
        "kernel": "6.1.0-41-amd64", "emulated": False, "cost_bytes": memory,
    }  # fmt: skip
    return UnitResult(kind, ready_seconds=ready, host_memory_bytes=memory,
                      disk_bytes=disk, workload_seconds=workload, **{**fields, **kw})  # fmt: skip


def fixed_result() -> LessonResult:
    return LessonResult(
        image="debian:bookworm-slim",
        accelerator="tcg",
        host="labhost",
        date="2026-12-03T21:00:00+00:00",
        versions={"qemu": "QEMU 7.2.15", "runsc": "runsc 20250820.0"},
        host_memory_bytes=8 * GIB,
        units={
            "container": unit("container", 0.41, 3 * MIB + 300_000, 74 * MIB, 1.92),
            "gvisor": unit("gvisor", 0.88, 41 * MIB, 74 * MIB, 2.95, kernel="4.4.0"),
            "vm": unit(
                "vm",
                14.6,
                290 * MIB,
                512 * MIB,
                9.7,
                guest_memory_bytes=256 * MIB,
                idle_cpu_percent=3.1,
                emulated=True,
                cost_bytes=300 * MIB,
            ),
        },
    )


SAMPLES = [
    UnitSample("container", "idle", 0.0, 3 * MIB + 400_000),
    UnitSample("gvisor", "idle", 0.4, 42 * MIB),
    UnitSample("vm", "idle", 2.9, 291 * MIB),
]


class FootprintBackend(FixedBackend):
    """Fixed data, with the fixed container figures for the VM baseline's table."""

    def footprints(self) -> list:
        return containers()


def dashboard_on_the_lesson(sample_only: bool = False):
    """The dashboard's VM baseline tab showing a finished lesson (or one under way)."""

    async def ready(pilot) -> None:
        await settled(pilot, 4)
        await pilot.press("4")
        app = pilot.app
        pane = app.query_one(BaselinePane)
        pane.update_profiles(profiles()[1:], profile_id="kvm-ubuntu-server")  # cited only
        pane.update_figures(containers(), selected="trainer", host_memory_bytes=16 * GIB)
        await until(pilot, lambda: not any(feed.busy for feed in app.engines.feeds.values()))
        pane.lesson.started()
        if sample_only:
            for kind, phase, note in [
                ("container", "idle", ""),
                ("gvisor", "workload", ""),
                ("vm", "booting", "QEMU TCG"),
            ]:
                pane.lesson.show_phase(kind, phase, note)
            pane.lesson.show_samples(
                [
                    UnitSample("container", "idle", 0.0, 3 * MIB),
                    UnitSample("gvisor", "workload", 97.5, 44 * MIB),
                    UnitSample("vm", "booting", 99.0, 180 * MIB, "QEMU TCG"),
                ]
            )
        else:
            pane.lesson.show_samples(SAMPLES)
            pane.lesson.show_result(fixed_result())
            pane.refresh_sources()
        await pilot.pause()

    return ready


def test_baseline_pane_snapshot(snap_compare):
    assert snap_compare(PaneApp(), terminal_size=(120, 48))


def test_lesson_on_a_projector_100x30(snap_compare):
    app = ContainerLabApp(FootprintBackend(), clock=fixed_clock)
    assert snap_compare(app, terminal_size=(100, 30), run_before=dashboard_on_the_lesson())


def test_lesson_on_a_projector_200x50(snap_compare):
    app = ContainerLabApp(FootprintBackend(), clock=fixed_clock)
    assert snap_compare(app, terminal_size=(200, 50), run_before=dashboard_on_the_lesson())


def test_lesson_under_way_100x30(snap_compare):
    app = ContainerLabApp(FootprintBackend(), clock=fixed_clock)
    run_before = dashboard_on_the_lesson(sample_only=True)
    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_lesson_under_way_200x50(snap_compare):
    app = ContainerLabApp(FootprintBackend(), clock=fixed_clock)
    run_before = dashboard_on_the_lesson(sample_only=True)
    assert snap_compare(app, terminal_size=(200, 50), run_before=run_before)
