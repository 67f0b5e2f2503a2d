"""The orchestration lesson on the session's real cluster: in the dashboard at 100x30 (every
step measured, on screen in large figures, `x` removing what it made) and, step by step, in a
read-only dashboard of the same lab in a terminal of its own; a step that cannot happen (the
lesson says why and goes on), and the benchmark's smoke run writing its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.widgets import Digits

from tests.cluster_fixture import SessionCluster
from tests.integration.swarm_helpers import cluster_app, pane_of, until
from tests.integration.terminal import Terminal
from tui.cluster.broadcast import STOPPED, orchestration_state
from tui.cluster.lesson import LESSON_LABEL, STEP_TITLES, STEPS, OrchestrationLesson
from tui.cluster.plan import CLUSTERS_ENV
from tui.cluster.provision import BASE_IMAGE, DEMO_IMAGE
from tui.engine.swarm_setup import build_label_image
from tui.paths import LabPaths

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[2]
LESSON = f"{LESSON_LABEL}=orchestration"
VIEWER = """
import sys
from pathlib import Path
from tui.engine.backend import DockerBackend
from tui.engine.contexts import EngineSpec
from tui.paths import LabPaths
from tui.session import DockerLab
from tui.views.app import ContainerLabApp

url, lab = sys.argv[1], LabPaths(Path(sys.argv[2]))
spec = EngineSpec("node-1", url, None, "the cluster's manager")
ContainerLabApp(DockerBackend(spec), lab=DockerLab(url, lab), read_only=True).run()
"""
# What the viewer shows as the lesson goes: each step's line once measured, in this order (the
# steps end seconds apart, and their lines stay) ...
VIEWER_STEPS = tuple(f"✓ {STEP_TITLES[key]}" for key in STEPS)
# ... and, at some point, the runner's own status lines of the steps that last seconds.
VIEWER_LINES = (
    "Run by another dashboard of this lab",
    "killing lesson-web.",
    "stopping node-",
    "updating lesson-web to",
    f"{len(STEPS)} of {len(STEPS)} steps measured",
)


async def on_screen(pilot, terminal: Terminal, text: str, after: int = 0) -> int:
    """Let the pilot's app run until the terminal shows `text` after byte `after`; the end of
    its output then."""
    deadline = time.monotonic() + 300
    while text not in terminal.text(after):
        tail = terminal.text(after)[-1500:]
        assert time.monotonic() < deadline, f"{text!r} never appeared; the viewer's tail: {tail!r}"
        await pilot.pause(0.5)
    return terminal.mark()


def lesson_services(cluster: SessionCluster) -> list[dict]:
    return cluster.manager.api.services(filters={"label": LESSON})


async def test_the_lesson_measures_every_step_on_screen_and_x_removes_it(
    swarm_cluster: SessionCluster, monkeypatch, tmp_path: Path
):
    monkeypatch.setenv(CLUSTERS_ENV, str(swarm_cluster.base))
    app = cluster_app(swarm_cluster, lab=tmp_path)
    # A read-only dashboard of the same lab (.lab under tmp_path), in a terminal of its own.
    manager = swarm_cluster.state.manager.url
    argv = [sys.executable, "-c", VIEWER, manager, str(tmp_path)]
    size = {"COLUMNS": "200", "LINES": "50"}  # the projector's, whenever its pty's size lands
    viewer = Terminal(argv, 50, 200, env={**swarm_cluster.env(), **size})
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("7")
            pane = pane_of(app)
            await until(pilot, lambda: pane.cluster is not None, "the lab's cluster recognised")
            await on_screen(pilot, viewer, "^p palette")  # drawn (its footer)
            viewer.send("7")
            seen = await on_screen(pilot, viewer, "via node-1")  # its Swarm tab, read
            pane.tables.table("nodes").focus()
            await pilot.press("m")
            panel = pane.panel
            assert panel.display and "heartbeat lowered to 2 s" in str(
                panel.query_one("#orch-note").render()
            )
            await until(
                pilot,
                lambda: set(panel.results) == set(STEPS) and panel.running == "",
                "every step measured",
                seconds=300,
            )
            failed = {k: r.note for k, r in panel.results.items() if not r.ok}
            assert not failed, failed
            figures = [card.query_one(Digits).value for card in panel.query("FigureCard")]
            assert all(f.replace(".", "").isdigit() for f in figures), figures
            steps = str(panel.query_one("#orch-steps").render())
            assert steps.count("✓") == len(STEPS), steps
            assert len(lesson_services(swarm_cluster)) == 1, "the service stays up until x"
            assert all(n.state == "ready" for n in pane.tables.nodes.values()), "the node is back"

            # The viewer showed each step as it went, then the end, within its bounds.
            await on_screen(pilot, viewer, VIEWER_LINES[-1], seen)
            shown, at = viewer.text(seen), 0
            for step in VIEWER_STEPS:
                assert step in shown[at:], f"the viewer never showed {step!r} after {at}"
                at = shown.index(step, at) + len(step)
            missing = [line for line in VIEWER_LINES if line not in shown]
            assert not missing, f"the viewer never showed {missing}"
            seen, measured = viewer.mark(), panel.results
            await pilot.press("x")
            await until(pilot, lambda: not lesson_services(swarm_cluster), "its service gone")
            await until(pilot, lambda: not pane.has_class("lesson"), "the tables back")
            await until(pilot, lambda: pane.has_class("last-lesson"), "the last lesson's line")
            # Never dashes where something was measured: the figures, dated, in both.
            figure = f"replace {measured['replace'].seconds:.1f} s"
            line = str(panel.query_one("#orch-status").render())
            assert line.startswith("The last lesson, 20") and figure in line, line
            await on_screen(pilot, viewer, "The last lesson, 20", seen)
            await on_screen(pilot, viewer, figure, seen)
            assert "m runs it again" not in viewer.text(seen), "a read-only view offers m"
    finally:
        viewer.kill()
    availability = {n["Spec"]["Availability"] for n in swarm_cluster.manager.api.nodes()}
    assert availability == {"active"}


@pytest.mark.fault
def test_a_step_that_cannot_happen_is_said_and_the_lesson_goes_on(
    swarm_cluster: SessionCluster, fault
):
    """v2 is removed from every node: the update's new tasks are rejected; the step says
    why within its bound and the lesson ends normally."""
    lesson = OrchestrationLesson(swarm_cluster.state, step_seconds=20)
    v2 = f"{DEMO_IMAGE}:v2"
    try:
        lesson.run_steps(("deploy",))
        for client in swarm_cluster.clients:
            client.images.remove(v2, force=True)
        results = lesson.run_steps(("update",))
    finally:
        lesson.stop()
        for client, node in zip(swarm_cluster.clients, swarm_cluster.state.nodes, strict=True):
            labels = {"DEMO_VERSION": "v2", "org.container-lab.cluster": swarm_cluster.state.name}
            build_label_image(client, BASE_IMAGE, v2, labels)
            assert client.images.get(v2), node.hostname
    assert results["deploy"].ok
    update = results["update"]
    assert update.seconds is None, update
    assert "did not happen within 20 s" in update.note and "No such image" in update.note, update
    assert "\n" not in update.note
    assert not lesson_services(swarm_cluster)
    fault("the lesson's update on an image no node has")


KILLED = """
import os, signal, sys
from pathlib import Path
from tui.cluster.broadcast import OrchestrationBroadcast
from tui.cluster.lesson import OrchestrationLesson
from tui.cluster.plan import ClusterState
from tui.paths import LabPaths
lab = Path(sys.argv[2])
runner = OrchestrationBroadcast(LabPaths(lab))
assert runner.claim()
lesson = OrchestrationLesson(ClusterState.load(Path(sys.argv[1])), lab_folder=lab)
runner.started("k1", "t", 3, 2.0, "deploying")
lesson.run_steps(("deploy",))
runner.phase("deploy", "deployed", list(lesson.results.values()), lesson.changes())
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.fault
def test_a_runner_killed_mid_lesson_is_undone_by_its_guardian(
    swarm_cluster: SessionCluster, tmp_path: Path, fault
):
    """The dashboard running the lesson is killed (SIGKILL: none of its code runs) after the
    deploy: its guardian removes the service and tells the lab's viewers so."""
    state = swarm_cluster.reload().path
    killed = subprocess.run(
        [sys.executable, "-c", KILLED, str(state), str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert killed.returncode == -9, killed.stderr[-2000:]
    paths, deadline = LabPaths(tmp_path), time.monotonic() + 120
    while lesson_services(swarm_cluster) or orchestration_state(paths).ended:
        assert time.monotonic() < deadline, "the lesson's service stayed, or its viewers not told"
        time.sleep(0.5)
    watched = orchestration_state(paths)
    assert watched.state is not None and not watched.running
    assert watched.state.status == STOPPED and "its guardian removed lesson-web" in (
        watched.state.error
    ), watched.state
    fault("the orchestration lesson's runner killed after its deploy")


@pytest.mark.slow
def test_the_benchmark_smoke_run_writes_the_lesson_times(swarm_cluster: SessionCluster):
    results = ROOT / "bench" / "results" / "cluster.smoke.json"
    results.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "bench.cluster", "--smoke", "--cluster", swarm_cluster.state.name],
        cwd=ROOT,
        env={**os.environ, **swarm_cluster.env()},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    data = json.loads(results.read_text())
    assert data["smoke"] is True and data["nodes"] == 3 and data["heartbeat_seconds"] == 2.0
    assert set(data["steps"]) == {"deploy", "replace", "update"}
    for key, step in data["steps"].items():
        assert step["runs_timed_out"] == 0 and 0 < step["median_seconds"] < 120, (key, step)
    assert not lesson_services(swarm_cluster)
