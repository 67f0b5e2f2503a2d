"""The training run from one key, in the real app against the real engine (Pilot)."""

from __future__ import annotations

import time

import docker
import pytest
from textual.widgets import Log, Static

from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import TEST_IMAGE_TAG, copy_lab
from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.engine.build import BuildResult
from tui.paths import LabPaths
from tui.session import DockerLab
from tui.views.app import ContainerLabApp
from tui.views.training_pane import TrainingPane

pytestmark = pytest.mark.slow


async def _wait_until_idle(pilot, pane: TrainingPane, seconds: float = 180.0) -> None:
    deadline = time.monotonic() + seconds
    while pane.running and time.monotonic() < deadline:
        await pilot.pause(0.2)
    assert not pane.running, "the training run did not finish in time"


def _text(pane: TrainingPane, widget_id: str) -> str:
    return str(pane.query_one(widget_id, Static).render())


async def test_one_key_trains_to_a_verified_tarball(
    docker_client: docker.DockerClient, lab: LabPaths, training_image: BuildResult
) -> None:
    before = set(lab.models.glob("*.tar.gz")) if lab.models.exists() else set()
    session = DockerLab(paths=lab, image=TEST_IMAGE_TAG, labels=LABELS)
    app = ContainerLabApp(DockerBackend(), lab=session)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("3")
        pane = app.query_one(TrainingPane)
        await until(pilot, lambda: app.focused is pane, what="the training tab's focus")
        await pilot.press("s")
        assert pane.running
        await _wait_until_idle(pilot, pane)
        result = _text(pane, "#training-result")
        status = _text(pane, "#training-status")
        model, metrics, verdict = result.splitlines()
        assert model.startswith("model sports-classifier-"), (result, status)
        assert "accuracy" in metrics, result
        # the verdict line in its positive form; a refusal reads "refused: ... not verified"
        assert verdict.startswith("verified: signature "), (result, status)
        assert "refused" not in result and "not verified" not in result, result
        log_text = "\n".join(str(line) for line in pane.query_one("#training-log", Log).lines)
        assert "(cached)" in log_text, "cached build steps are marked"
        assert "evaluate" in log_text
    new = set(lab.models.glob("*.tar.gz")) - before
    assert len(new) == 1 and pane.tarball in new


async def test_cancelling_leaves_no_tarball(
    docker_client: docker.DockerClient, training_image: BuildResult, tmp_path
) -> None:
    lab = copy_lab(tmp_path / "lab")
    session = DockerLab(paths=lab, image=TEST_IMAGE_TAG, labels=LABELS)
    app = ContainerLabApp(DockerBackend(), lab=session)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("3", "s")
        pane = app.query_one(TrainingPane)
        deadline = time.monotonic() + 120
        # The status line moves on with every progress line, so wait on the phase instead.
        while pane.phase != "training":
            assert time.monotonic() < deadline and pane.running, _text(pane, "#training-status")
            await pilot.pause(0.05)
        await pilot.press("c")
        await _wait_until_idle(pilot, pane)
        assert "training cancelled" in _text(pane, "#training-status"), _text(
            pane, "#training-status"
        )
        assert pane.tarball is None
    assert not list(lab.models.iterdir()), "a cancelled run left files in models/"
    assert not docker_client.containers.list(
        ignore_removed=True,
        all=True,
        filters={"label": ["org.container-lab.role", *(f"{k}={v}" for k, v in LABELS.items())]},
    )
