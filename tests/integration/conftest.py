"""Fixtures for the training lab: a lab copy, its image and one trained model, per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import SESSION_LABELS
from tests.integration.lab_fixtures import TEST_IMAGE_TAG, copy_lab
from tui.engine.build import BuildResult
from tui.lab.identity import ensure_identity
from tui.lab.image import ensure_training_image
from tui.lab.run import RunEvent, RunOutcome, TrainingRun
from tui.paths import LabPaths

LABELS = dict(SESSION_LABELS)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> LabPaths:
    """A copy of the lab with its own keys and .env."""
    return copy_lab(tmp_path_factory.mktemp("lab"))


@pytest.fixture(scope="session")
def training_image(docker_client: docker.DockerClient, lab: LabPaths) -> BuildResult:
    """The training image built from the lab copy, tagged and labelled as the tests' own."""
    identity = ensure_identity(lab.env_file)
    result = ensure_training_image(docker_client, lab, identity, tag=TEST_IMAGE_TAG, labels=LABELS)
    assert result is not None
    return result


@pytest.fixture(scope="session")
def trained(
    docker_client: docker.DockerClient, lab: LabPaths, training_image: BuildResult
) -> Iterator[tuple[RunOutcome, list[RunEvent]]]:
    """One training run through the SDK, with every event it reported."""
    events: list[RunEvent] = []
    run = TrainingRun(
        docker_client, lab, image=TEST_IMAGE_TAG, labels=LABELS, on_event=events.append
    )
    yield run.run(), events


@pytest.fixture(scope="session")
def model_tarball(trained: tuple[RunOutcome, list[RunEvent]]) -> Path:
    """The tarball of the session's training run."""
    outcome, _ = trained
    assert outcome.tarball is not None, outcome.last_lines
    return outcome.tarball
