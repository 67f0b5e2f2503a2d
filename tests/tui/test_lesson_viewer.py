"""A dashboard that does not run the lab's lesson shows it as its runner publishes it.

The runner here is `LessonBroadcast` itself, in this process or in another one that is killed
(tests/integration/test_dashboard_lesson.py runs a real lesson watched from a second terminal).
The lab's engine does not answer (a socket nobody listens on): a viewer needs none.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textual.widgets import Static

from tests.tui.dashboard_helpers import record_notices, settled, until
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tests.unit.test_lesson_broadcast import result
from tui.baseline.broadcast import LessonBroadcast
from tui.baseline.measure import save_lesson
from tui.baseline.results import UnitSample
from tui.paths import PROJECT_ENV, LabPaths
from tui.published import document_path
from tui.session import DockerLab
from tui.views.app import ContainerLabApp
from tui.views.baseline.pane import BaselinePane
from tui.views.baseline.panel import VIEWER_TEXT

DIES_MID_LESSON = """
import os, signal, sys
from pathlib import Path
from tui.baseline.broadcast import LessonBroadcast
from tui.paths import LabPaths
runner = LessonBroadcast(LabPaths(Path(sys.argv[1])))
assert runner.claim()
runner.started("killed1", "debian:bookworm-slim")
runner.phase("vm", "booting", "QEMU TCG")
os.kill(os.getpid(), signal.SIGKILL)
"""


def status(pane: BaselinePane) -> str:
    return str(pane.lesson.query_one("#lesson-status", Static).render())


def subtitle(pane: BaselinePane, kind: str) -> str:
    return str(pane.lesson.card(kind).border_subtitle or "")


def viewer(tmp_path: Path, *, read_only: bool = True) -> ContainerLabApp:
    lab = DockerLab(f"unix://{tmp_path}/no-engine.sock", LabPaths(tmp_path))
    return ContainerLabApp(FixedBackend(), clock=fixed_clock, lab=lab, read_only=read_only)


async def test_a_read_only_viewer_shows_the_runners_lesson_as_it_goes(tmp_path: Path) -> None:
    runner = LessonBroadcast(LabPaths(tmp_path))
    assert runner.claim()
    app = viewer(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, 4)
        await pilot.press("4")
        pane = app.query_one(BaselinePane)
        assert status(pane) == VIEWER_TEXT  # a read-only view offers no m, not even in words
        runner.started("abc123", "debian:bookworm-slim")
        runner.phase("vm", "booting", "QEMU TCG")
        await until(pilot, lambda: subtitle(pane, "vm").startswith("booting"), what="booting")
        assert status(pane).startswith("The lesson runs in another dashboard"), status(pane)
        runner.samples([UnitSample("vm", "booting", 80.0, 300 * 2**20)])
        await until(pilot, lambda: pane.lesson.query_one("#lesson-live").display, what="rows")
        runner.finished(result())
        await until(pilot, lambda: pane.lesson.result == result(), what="the figures")
        assert "measured on labhost 2026-01-02" in status(pane), status(pane)
        assert "QEMU tcg" in status(pane), status(pane)
        runner.ended()
        await until(pilot, lambda: status(pane).endswith("· stopped"), what="stopped")
        assert pane.lesson.result == result()  # never dashes: the figures stay, dated
        # a read-only view offers no `m`
        offered = [b.binding.action for b in app.active_bindings.values() if b.enabled]
        assert "run_lesson" not in offered, offered


async def test_m_where_another_dashboard_runs_the_lesson_shows_that_one(tmp_path: Path) -> None:
    runner = LessonBroadcast(LabPaths(tmp_path))
    assert runner.claim()
    runner.started("abc123", "debian:bookworm-slim")
    runner.phase("container", "ready", "6.1.0")
    app = viewer(tmp_path, read_only=False)
    notices = record_notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, 4)
        await pilot.press("4")
        pane = app.query_one(BaselinePane)
        await pilot.press("m")
        await until(pilot, lambda: any("runs in another dashboard" in n for n in notices))
        assert pane.control.current is None  # no second lesson
        assert not [w for w in app.workers if w.group == "lesson"]
        await until(pilot, lambda: subtitle(pane, "container") == "ready", what="its phases")
    runner.ended()


async def test_a_runner_killed_mid_lesson_shows_as_ended(tmp_path: Path, fault) -> None:
    subprocess.run([sys.executable, "-c", DIES_MID_LESSON, str(tmp_path)], check=False)
    app = viewer(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, 4)
        await pilot.press("4")
        pane = app.query_one(BaselinePane)
        await until(pilot, lambda: "ended" in status(pane), what="ended")
        assert subtitle(pane, "vm") == "ended"
    fault("the lesson's runner killed mid-lesson")


async def test_a_lesson_that_cannot_be_read_says_why_in_one_line(tmp_path: Path, bad_input) -> None:
    runner = LessonBroadcast(LabPaths(tmp_path))
    assert runner.claim()
    runner.started("abc123", "debian:bookworm-slim")
    document_path(LabPaths(tmp_path), "baseline-lesson").write_text("{not json")
    app = viewer(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, 4)
        await pilot.press("4")
        pane = app.query_one(BaselinePane)
        await until(pilot, lambda: "cannot be shown" in status(pane), what="why")
        assert "\n" not in status(pane) and "remove" in status(pane), status(pane)
        assert app.is_running  # and it goes on
    runner.ended()
    bad_input("a lesson document that is not JSON")


async def test_never_dashes_the_last_measured_lesson_shows_with_its_date(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))  # where the measured profile is read from
    save_lesson(LabPaths(tmp_path), result())
    app = viewer(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, 4)
        await pilot.press("4")
        pane = app.query_one(BaselinePane)
        await until(pilot, lambda: pane.lesson.result is not None, what="the last figures")
        assert status(pane).startswith("debian:bookworm-slim, measured on labhost 2026-01-02")
        assert "QEMU tcg" in status(pane) and "the last lesson" in status(pane), status(pane)
        assert "m runs" not in status(pane)  # read-only: no m
        assert subtitle(pane, "vm") == "last measured"


async def test_a_viewer_compares_what_runs_with_the_vm_the_watched_lesson_measured(
    tmp_path: Path, monkeypatch
) -> None:
    """As the runner does: the class's comparison is with the VM just measured, not a cited one."""
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))  # where the measured profile is read from
    runner = LessonBroadcast(LabPaths(tmp_path))
    assert runner.claim()
    app = viewer(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, 4)
        await pilot.press("4")
        pane = app.query_one(BaselinePane)
        assert not pane.profile.measured
        runner.started("abc123", "debian:bookworm-slim")
        save_lesson(LabPaths(tmp_path), result())  # the runner saves its profile, then publishes
        runner.finished(result())
        await until(pilot, lambda: pane.lesson.result == result(), what="the figures")
        await until(pilot, lambda: pane.profile.measured, what="the measured VM compared")
    runner.ended()
