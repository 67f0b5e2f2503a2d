"""The orchestration lesson as its runner publishes it (tui/cluster/broadcast.py): what a viewer
reads back, step by step, and what it refuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cluster.broadcast import (
    MEASURED,
    NAME,
    RUNNING,
    STOPPED,
    Board,
    NodeSeen,
    OrchestrationBroadcast,
    OrchestrationState,
    TaskSeen,
    from_body,
    orchestration_state,
    to_body,
)
from tui.cluster.lesson import StepResult
from tui.paths import LabPaths
from tui.published import Publisher, document_path

NODES = (NodeSeen("node-1", "ready", "active", "manager"),
         NodeSeen("node-3", "down", "active", "worker"))  # fmt: skip
TASKS = (TaskSeen(1, "node-1", "lab-demo:v1", "running"),
         TaskSeen(3, "node-3", "lab-demo:v1", "running"))  # fmt: skip
BOARD = Board(NODES, TASKS)
DEPLOY = StepResult("deploy", 1.06, "3 replicas running on 3 nodes")
NOTICE = StepResult("notice", 5.82, "node-3 down after 5.8 s (heartbeat 2 s)")
LATE = StepResult("update", None, "every task on v2 did not happen within 120 s")


def test_each_step_the_runner_publishes_a_viewer_reads_back(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path)
    said: list[str] = []
    runner = OrchestrationBroadcast(paths, said.append)
    assert runner.claim()
    assert not OrchestrationBroadcast(paths).claim(), "one lesson per lab"
    runner.phase("deploy", "ignored", [], "")  # before a run starts: nothing to publish
    assert orchestration_state(paths).state is None
    runner.started("ab12", "lab", 3, 2.0, "The lesson runs on 3 nodes: deploying lesson-web…")
    runner.phase("deploy", "deploy 3 replicas: 3 replicas running", [DEPLOY], "the service x")
    runner.board(BOARD)
    runner.phase("notice", "notice a node down: stopping node-3's engine", [DEPLOY],
                 "the service lesson-web, node-3's engine stopped")  # fmt: skip
    runner.phase("notice", "node-3 down after 5.8 s", [DEPLOY, NOTICE], "the service lesson-web")
    watched = orchestration_state(paths)
    state = watched.state
    assert state is not None and watched.running and not watched.error and not watched.ended
    assert (state.status, state.run_id, state.cluster, state.nodes) == (RUNNING, "ab12", "lab", 3)
    assert state.heartbeat_seconds == 2.0 and state.running == "notice"
    assert state.line == "node-3 down after 5.8 s" and state.left == "the service lesson-web"
    assert state.by_step == {"deploy": DEPLOY, "notice": NOTICE} and state.board == BOARD
    assert state.writer is not None and state.writer.pid == os.getpid()
    runner.finished([DEPLOY, NOTICE, LATE], "2 of 6 steps measured")
    state = orchestration_state(paths).state
    assert state is not None and state.status == MEASURED and state.under_way
    assert state.by_step["update"].seconds is None and state.running == "" and state.measured
    runner.ended()
    watched = orchestration_state(paths)
    state = watched.state
    assert state is not None and state.status == STOPPED and not watched.running
    assert state.board == Board() and state.left == "" and len(state.results) == 3
    assert not runner.publisher.claimed and said == []
    runner.phase("update", "every step measured", [DEPLOY], "")  # the run's thread, late
    runner.finished([DEPLOY], "1 of 6 steps measured")
    assert orchestration_state(paths).state == state, "x came first: it stays stopped"
    assert OrchestrationBroadcast(paths).claim(), "let go once stopped"


DIED = """
import sys
from pathlib import Path
from tui.cluster.broadcast import OrchestrationBroadcast
from tui.paths import LabPaths
runner = OrchestrationBroadcast(LabPaths(Path(sys.argv[1])))
assert runner.claim()
runner.started("r2", "lab", 3, 2.0, "deploying")
LEFT = "the service lesson-web, node-3's engine stopped"
runner.phase("notice", "stopping node-3's engine", [], LEFT)
"""


@pytest.mark.fault
def test_a_runner_gone_mid_lesson_reads_as_ended_with_what_it_left(tmp_path: Path, fault) -> None:
    subprocess.run([sys.executable, "-c", DIED, str(tmp_path)], check=True)
    watched = orchestration_state(LabPaths(tmp_path))
    assert watched.ended and not watched.running and watched.state is not None
    assert watched.state.left == "the service lesson-web, node-3's engine stopped"
    assert OrchestrationBroadcast(LabPaths(tmp_path)).claim()  # its claim went with it
    fault("the orchestration lesson's runner gone mid-lesson")


@pytest.mark.bad_input
def test_a_body_that_is_not_a_lesson_is_refused_in_one_line(tmp_path: Path, bad_input) -> None:
    paths = LabPaths(tmp_path)
    state = OrchestrationState(MEASURED, "r", "lab", 3, 2.0, "2026-12-07T00:40:00+00:00",
                               results=(DEPLOY, LATE), board=BOARD)  # fmt: skip
    good = json.loads(json.dumps(to_body(state)))
    assert from_body(good) == state
    text_time = json.loads(json.dumps(good))
    text_time["results"][0]["seconds"] = "fast"  # the card would format it
    bool_slot = json.loads(json.dumps(good))
    bool_slot["board"]["tasks"][0]["slot"] = True
    for name, body in [
        ("a step time that is text", text_time),
        ("a task slot that is true", bool_slot),
        ("an unknown status", {**good, "status": "exploded"}),
        ("an unknown step", {**good, "results": [{"key": "teapot", "seconds": 1.0, "note": ""}]}),
        ("a step under way that is none", {**good, "running": "teapot"}),
        ("a board that is a list", {**good, "board": []}),
        ("nodes that are a number", {**good, "nodes": "three"}),
        ("no run id", {k: v for k, v in good.items() if k != "run_id"}),
    ]:
        Publisher(paths, NAME).publish(body)
        watched = orchestration_state(paths)
        assert watched.state is None and not watched.running, name
        assert watched.error.startswith(str(document_path(paths, NAME))), watched.error
        assert "is not a lesson" in watched.error and "\n" not in watched.error, watched.error
        bad_input(name)
