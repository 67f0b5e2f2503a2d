"""A dashboard that does not run the lab's orchestration lesson shows it as its runner publishes
it, on the Swarm tab, whatever engine it watches itself.

The runner here is `OrchestrationBroadcast` itself, in this process or in another one that dies
(tests/integration/test_cluster_lesson.py runs a real lesson on a real cluster watched from a
second, read-only dashboard). The viewers watch no Swarm at all: they need none.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textual.widgets import Digits, Static

from tests.tui.dashboard_helpers import record_notices, settled, until
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tests.unit.test_orchestration_broadcast import BOARD, DEPLOY, DIED, LATE, NOTICE
from tui.cluster.broadcast import (
    MEASURED,
    OrchestrationBroadcast,
    OrchestrationState,
    TaskSeen,
    Watched,
)
from tui.cluster.lesson import STEPS, StepResult
from tui.paths import LabPaths
from tui.published import document_path
from tui.session import DockerLab
from tui.views.app import ContainerLabApp
from tui.views.swarm.lesson_cards import (
    FigureCard,
    NodeColumn,
    last_line,
    step_text,
    task_line,
    watched_line,
)
from tui.views.swarm.lesson_panel import OrchestrationPanel
from tui.views.swarm.pane import SwarmPane

REPLACE = StepResult("replace", 5.78, "lesson-web.3 replaced (restart delay 5 s)")


def viewer(tmp_path: Path, *, read_only: bool = True) -> ContainerLabApp:
    lab = DockerLab(f"unix://{tmp_path}/no-engine.sock", LabPaths(tmp_path))
    return ContainerLabApp(FixedBackend(), clock=fixed_clock, lab=lab, read_only=read_only)


def text(panel: OrchestrationPanel, selector: str) -> str:
    return str(panel.query_one(selector, Static).render())


def figures(panel: OrchestrationPanel) -> dict[str, str]:
    return {card.step: card.query_one(Digits).value for card in panel.query(FigureCard)}


async def swarm_tab(app: ContainerLabApp, pilot) -> tuple[SwarmPane, OrchestrationPanel]:
    await settled(pilot, 4)
    await pilot.press("7")
    pane = app.query_one(SwarmPane)
    return pane, pane.panel


async def test_a_read_only_viewer_follows_the_lesson_step_by_step(tmp_path: Path) -> None:
    runner = OrchestrationBroadcast(LabPaths(tmp_path))
    assert runner.claim()
    app = viewer(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        pane, panel = await swarm_tab(app, pilot)
        assert not panel.display, "no lesson was ever published: the tab as it was"
        runner.started("ab12", "lab", 3, 2.0, "The lesson runs on 3 nodes: deploying lesson-web…")
        await until(pilot, lambda: pane.has_class("lesson"), what="the panel shown")
        assert "deploying lesson-web" in text(panel, "#orch-status")
        note = text(panel, "#orch-note")
        assert "heartbeat lowered to 2 s" in note and "another dashboard" in note, note
        runner.phase("deploy", "deploy 3 replicas: 3 replicas running on 3 nodes", [DEPLOY], "")
        runner.board(BOARD)
        await until(pilot, lambda: "✓ deploy" in text(panel, "#orch-steps"), what="deploy")
        columns = {c.index: c for c in panel.query(NodeColumn)}
        assert sorted(columns) == [1, 2, 3]
        await until(pilot, lambda: "lesson-web.3" in str(columns[3].query_one(Static).render()))
        assert "down" in str(columns[3].border_subtitle) and columns[3].has_class("down")
        assert str(columns[2].border_subtitle) == "not in the Swarm"
        steps = panel.query_one("#orch-steps").region  # every step on screen at 100x30
        assert steps.height == len(STEPS) and steps.bottom <= pane.region.bottom, steps
        runner.phase("replace", "replace a killed task: replaced", [DEPLOY, REPLACE], "")
        await until(pilot, lambda: figures(panel)["replace"] == "5.8", what="the replace card")
        assert "▶ replace" not in text(panel, "#orch-steps")
        runner.phase("notice", "notice a node down: stopping node-3's engine", [DEPLOY, REPLACE],
                     "the service lesson-web, node-3's engine stopped")  # fmt: skip
        await until(pilot, lambda: "▶ notice" in text(panel, "#orch-steps"), what="notice runs")
        assert text(panel, "#orch-status") == "notice a node down: stopping node-3's engine"
        runner.finished([DEPLOY, REPLACE, NOTICE, LATE], "3 of 6 steps measured")
        await until(pilot, lambda: figures(panel)["update"] == "x", what="a step not in time")
        assert figures(panel)["notice"] == "5.8" and figures(panel)["reschedule"] == "-"
        assert pane.has_class("lesson"), "measured, the service up until x: still shown"
        runner.ended()
        await until(pilot, lambda: pane.has_class("last-lesson"), what="the last lesson")
        assert not pane.has_class("lesson")
        last = text(panel, "#orch-status")
        assert last.startswith("The last lesson, 20") and " UTC on lab's 3 nodes: " in last, last
        assert "replace 5.8 s · notice 5.8 s · update x" in last, last
        assert "m runs" not in last, "read-only offers no m"
        offered = [b.binding.action for b in app.active_bindings.values() if b.enabled]
        assert "lesson" not in offered and "stop" not in offered, offered


async def test_m_where_another_dashboard_runs_it_shows_that_one(tmp_path: Path) -> None:
    runner = OrchestrationBroadcast(LabPaths(tmp_path))
    assert runner.claim()
    runner.started("ab12", "lab", 3, 2.0, "deploying lesson-web…")
    app = viewer(tmp_path, read_only=False)
    notices = record_notices(app)
    async with app.run_test(size=(100, 30)) as pilot:
        pane, panel = await swarm_tab(app, pilot)
        await until(pilot, lambda: pane.has_class("lesson"), what="the runner's lesson")
        await pilot.press("m")
        await until(pilot, lambda: any("runs in another dashboard" in n for n in notices))
        assert panel.lesson is None and not [w for w in app.workers if w.group == "orchestration"]
        await pilot.press("x")
        await until(pilot, lambda: any("x there stops it" in n for n in notices))
        assert pane.has_class("lesson"), "x here does not hide the class's lesson"
    runner.ended()


async def test_a_runner_killed_mid_lesson_shows_as_ended(tmp_path: Path, fault) -> None:
    subprocess.run([sys.executable, "-c", DIED, str(tmp_path)], check=True)
    app = viewer(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        pane, panel = await swarm_tab(app, pilot)
        await until(pilot, lambda: "ended" in text(panel, "#orch-status"), what="ended")
        status = text(panel, "#orch-status")
        assert "the dashboard that ran it is gone" in status, status
        assert "left on the cluster: the service lesson-web, node-3's engine stopped" in status
        assert pane.has_class("last-lesson")
    fault("the orchestration lesson's runner killed mid-lesson")


async def test_a_lesson_that_cannot_be_read_says_why_in_one_line(tmp_path: Path, bad_input) -> None:
    runner = OrchestrationBroadcast(LabPaths(tmp_path))
    assert runner.claim()
    runner.started("ab12", "lab", 3, 2.0, "deploying")
    document_path(LabPaths(tmp_path), "orchestration-lesson").write_text("{not json")
    app = viewer(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        _, panel = await swarm_tab(app, pilot)
        await until(pilot, lambda: "cannot be shown" in text(panel, "#orch-status"), what="why")
        status = text(panel, "#orch-status")
        assert "\n" not in status and "remove" in status, status
        runner.phase("deploy", "deploy 3 replicas: running", [DEPLOY], "")  # fixed by its runner
        await until(pilot, lambda: "✓ deploy" in text(panel, "#orch-steps"), what="goes on")
        assert app.is_running
    runner.ended()
    bad_input("an orchestration lesson document that is not JSON")


def test_what_a_document_says_reaches_the_screen_printable(bad_input) -> None:
    """The runner's words come from engines (task errors, notes): no escape reaches a viewer."""
    osc52 = "\x1b]52;c;cm0gLXJmIH4=\x07"
    step = StepResult("update", None, f"every task on v2: {osc52}No such image")
    state = OrchestrationState(MEASURED, "r", "lab", 3, 2.0, "2026-12-07T00:40:00+00:00",
                               line=f"drain a node: {osc52}", results=(step,),
                               left=f"the service lesson-web{osc52}")  # fmt: skip
    task = TaskSeen(1, "node-1", f"lab-demo:v2{osc52}", f"running{osc52}", f"err{osc52}")
    shown = [
        watched_line(state),
        last_line(Watched(state), offer_m=False),
        last_line(Watched(state, ended=True), offer_m=False),
        task_line(task).plain,
        step_text("update", step, "").plain,
    ]
    for text in shown:
        assert "\x1b" not in text and "\x07" not in text, repr(text)
    bad_input("escape sequences in a published lesson")
