"""Training as a cluster job on the session's real 3-node Swarm: a `replicated-job` of the
training image, the signing key as a Swarm secret made for the run and removed after, each
replica's tarball in models/ and verified as a local one, the Training tab following the job's
tasks; and `train --cluster`'s bad input refused in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.cluster_fixture import SessionCluster
from tests.conftest import session_tag
from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import copy_lab
from tests.integration.swarm_helpers import cluster_app, rows, until
from tui.cluster.plan import CLUSTERS_ENV
from tui.lab.cluster_run import RUN_LABEL, ClusterEvent, ClusterOutcome, ClusterTrainingRun
from tui.lab.verify import verify_tarball
from tui.views.swarm.job_panel import ClusterJobPanel
from tui.views.widgets.keyed_table import KeyedTable

pytestmark = [pytest.mark.docker, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
# The lab copy's own tag (its ids may differ from the session lab's); removed with the session's.
IMAGE = session_tag("-cluster")


async def test_a_cluster_job_trains_verified_models_with_a_secret_made_for_it(
    docker_client, swarm_cluster: SessionCluster, training_image, tmp_path_factory, monkeypatch
):
    """`training_image` warms the layer cache: this lab copy's image is built from it at once."""
    monkeypatch.setenv(CLUSTERS_ENV, str(swarm_cluster.base))
    lab = copy_lab(tmp_path_factory.mktemp("cluster-lab"))
    api = swarm_cluster.manager.api
    key = lab.keys / "signing-key.asc"
    secrets_while_running: list[list[str]] = []
    events: list[ClusterEvent] = []

    def on_event(event: ClusterEvent) -> None:
        events.append(event)
        if event.kind == "task" and event.text.startswith("running"):
            found = api.secrets(filters={"label": f"{RUN_LABEL}={run.run_id}"})
            secrets_while_running.append(sorted(s["Spec"]["Name"] for s in found))

    run = ClusterTrainingRun(
        docker_client,
        swarm_cluster.manager,
        swarm_cluster.clients,
        lab,
        2,
        image=IMAGE,
        labels=LABELS,
        on_event=on_event,
    )
    outcome: list[ClusterOutcome] = []
    app = cluster_app(swarm_cluster)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        panel = app.main_screen.query_one(ClusterJobPanel)
        job = threading.Thread(target=lambda: outcome.append(run.run()), daemon=True)
        job.start()
        table = panel.query_one("#job-tasks", KeyedTable)
        await until(
            pilot,
            lambda: panel.has_class("shown") and len(rows(table)) == 2,
            "the job's two tasks in the Training tab",
            seconds=900,
        )
        await until(pilot, lambda: not job.is_alive(), "the job to end", seconds=900)
        assert outcome, "the run raised: see the log"
        assert set(outcome[0].tasks.values()) == {"complete"}, outcome[0].tasks
        title = panel.query_one("#job-title")
        await until(pilot, lambda: "ended" in str(title.render()), "the job shown ended")
        # A task the manager had not ended when the run removed the service ends as its node's
        # `die` event said (the feed may read that event a moment after the removal).
        await until(
            pilot,
            lambda: {row[2] for row in rows(table)} == {"complete"},
            "every task complete",
            shown=lambda: (str(title.render()), rows(table)),
        )
    assert outcome, "the run raised: see the log"
    done = outcome[0]
    assert done.tasks and set(done.tasks.values()) == {"complete"}, done.tasks
    assert len(done.tarballs) == 2 and len({t.name for t in done.tarballs}) == 2
    for tarball in done.tarballs:
        assert tarball.parent == lab.models and tarball.exists()
        verdict = verify_tarball(docker_client, tarball, lab, image=IMAGE, labels=LABELS)
        assert verdict.ok, verdict.reason
    assert secrets_while_running and all(len(s) == 2 for s in secrets_while_running)
    assert not api.secrets(filters={"label": f"{RUN_LABEL}={run.run_id}"}), "secrets left"
    assert not api.services(filters={"label": f"{RUN_LABEL}={run.run_id}"})
    assert not api.networks(filters={"label": f"{RUN_LABEL}={run.run_id}"})
    assert not list(lab.models.glob(".cluster-*")) and not list(lab.models.glob(".*.partial"))
    secret = key.read_bytes()
    for path in lab.models.iterdir():  # the key never lands beside the models
        assert secret not in path.read_bytes(), path
    progress = [e for e in events if e.kind == "progress" and '"stage": "done"' in e.text]
    assert len(progress) == 2, "each replica's progress was followed through the manager"


@pytest.mark.bad_input
def test_train_cluster_refuses_bad_input_in_one_line(swarm_cluster, bad_input):
    env = {**os.environ, **swarm_cluster.env()}
    cases = {
        "no such cluster": (["--cluster-name", "nosuch"], "no cluster named nosuch is up"),
        "no replicas": (
            ["--replicas", "0", "--cluster-name", swarm_cluster.state.name],
            "at least 1",
        ),
        "cluster and compose": (["--compose"], "pick one way"),
    }
    for label, (args, said) in cases.items():
        result = subprocess.run(
            [sys.executable, "-m", "tui.cli", "train", "--cluster", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 2, (label, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and said in lines[0], (label, result.stderr)
        bad_input(label)
