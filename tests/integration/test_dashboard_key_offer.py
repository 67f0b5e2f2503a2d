"""A machine with no signing key yet: the Training tab's `s` offers to make the demo key.

Pilot on the real app with a lab copy whose keys were removed.
"""

from __future__ import annotations

import shutil
import time

import docker
import pytest
from textual.pilot import Pilot
from textual.widgets import Log, ProgressBar, Static

from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import TEST_IMAGE_TAG, copy_lab
from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.engine.build import BuildResult
from tui.lab.keys import SECRET_KEY_FILE
from tui.paths import LabPaths
from tui.session import DockerLab
from tui.views.app import ContainerLabApp
from tui.views.training_pane import TrainingPane
from tui.views.widgets.confirm import ConfirmScreen


def keyless_lab(target) -> LabPaths:
    """A lab copy as a fresh checkout has it: no .lab/ folder, so no key."""
    paths = copy_lab(target)
    shutil.rmtree(paths.lab)
    return paths


async def _ask_for_a_key(pilot: Pilot) -> TrainingPane:
    """Open the Training tab and press s: the key question is shown."""
    app = pilot.app
    await pilot.press("3")
    pane = app.query_one(TrainingPane)
    await until(pilot, lambda: app.focused is pane, what="the training tab's focus")
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the key question")
    return pane


def _status(pane: TrainingPane) -> str:
    return str(pane.query_one("#training-status", Static).render())


async def test_without_a_key_s_offers_one_and_n_creates_nothing(tmp_path) -> None:
    lab = keyless_lab(tmp_path / "lab")
    session = DockerLab(paths=lab, image=TEST_IMAGE_TAG, labels=LABELS)
    app = ContainerLabApp(DockerBackend(), lab=session)
    async with app.run_test(size=(140, 45)) as pilot:
        pane = await _ask_for_a_key(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "No signing key yet" in app.screen.question
        await pilot.press("n")
        await until(pilot, lambda: "No key was created" in _status(pane), what="the answer")
        assert not isinstance(app.screen, ConfirmScreen)
        assert not pane.running
        assert "No key was created" in _status(pane)
        assert "./lab keys init" in _status(pane)
    assert not lab.lab.exists(), "declining the offer left files in .lab/"


@pytest.mark.slow
async def test_y_creates_the_key_then_builds_with_step_progress_and_trains(
    docker_client: docker.DockerClient, training_image: BuildResult, tmp_path
) -> None:
    lab = keyless_lab(tmp_path / "lab")
    session = DockerLab(paths=lab, image=TEST_IMAGE_TAG, labels=LABELS)
    app = ContainerLabApp(DockerBackend(), lab=session)
    async with app.run_test(size=(140, 45)) as pilot:
        pane = await _ask_for_a_key(pilot)
        await pilot.press("y")
        assert pane.running
        deadline = time.monotonic() + 180
        while pane.phase != "training":
            assert time.monotonic() < deadline and pane.running, _status(pane)
            await pilot.pause(0.05)
        assert (lab.keys / SECRET_KEY_FILE).is_file()
        # The build went through every step of the Dockerfile, most from the cache (the
        # session's image was built from the same files), and moved the bar as it went.
        build = pane.build
        assert build.total == len(training_image.steps) and build.step == build.total
        assert build.cached >= training_image.cached_steps
        assert build.cached > 0
        assert pane.query_one("#training-progress", ProgressBar).progress >= 30
        log_text = "\n".join(str(line) for line in pane.query_one("#training-log", Log).lines)
        assert "signing key" in log_text and "(cached)" in log_text
        await pilot.press("c")
        while pane.running:
            assert time.monotonic() < deadline + 120, _status(pane)
            await pilot.pause(0.2)
    assert not list(lab.models.glob("*.tar.gz"))
