"""The orchestration lesson on the session's real cluster: in the dashboard at 100x30 (every
step measured, on screen in large figures, `x` removing what it made), a step that cannot
happen (the lesson says why and goes on), and the benchmark's smoke run writing its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Digits

from tests.cluster_fixture import SessionCluster
from tests.integration.swarm_helpers import cluster_app, pane_of, until
from tui.cluster.lesson import LESSON_LABEL, STEPS, OrchestrationLesson
from tui.cluster.plan import CLUSTERS_ENV
from tui.cluster.provision import BASE_IMAGE, DEMO_IMAGE
from tui.engine.swarm_setup import build_label_image

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[2]
LESSON = f"{LESSON_LABEL}=orchestration"


def lesson_services(cluster: SessionCluster) -> list[dict]:
    return cluster.manager.api.services(filters={"label": LESSON})


async def test_the_lesson_measures_every_step_on_screen_and_x_removes_it(
    swarm_cluster: SessionCluster, monkeypatch
):
    monkeypatch.setenv(CLUSTERS_ENV, str(swarm_cluster.base))
    app = cluster_app(swarm_cluster)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("7")
        pane = pane_of(app)
        await until(pilot, lambda: pane.cluster is not None, "the lab's cluster recognised")
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
        assert all(n.state == "ready" for n in pane.tables.nodes.values()), "the node came back"
        await pilot.press("x")
        await until(pilot, lambda: not lesson_services(swarm_cluster), "the lesson's service gone")
        await until(pilot, lambda: not pane.has_class("lesson"), "the tables back")
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
