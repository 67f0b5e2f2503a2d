"""Fixtures for the training lab (a lab copy, its image, one trained model, per session), and
the other engines the tests start themselves: Podman, a local sshd, a TLS dockerd."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from bench.private_engine import PrivateEngine
from tests.conftest import SESSION_LABELS, TEST_IMAGE
from tests.integration.engines import (
    LocalSshd,
    PodmanService,
    TlsFiles,
    make_tls_files,
    missing_tools,
)
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


def _require(*tools: str) -> None:
    """Skip (a failure under LAB_REQUIRE_DOCKER=1) when a tool `./lab test` installs is missing."""
    missing = missing_tools(*tools)
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: `./lab test` installs them")


@pytest.fixture(scope="session")
def podman_service(docker_client: docker.DockerClient) -> Iterator[PodmanService]:
    """A Podman service of this session's own, with the base image copied from Docker."""
    _require("podman", "nsenter", "ip")
    service = PodmanService()
    try:
        service.start()
        service.load_image(TEST_IMAGE)
        yield service
    finally:
        service.destroy()


@pytest.fixture(scope="session")
def local_sshd(docker_client: docker.DockerClient) -> Iterator[LocalSshd]:
    """sshd on 127.0.0.1 whose far side runs `docker system dial-stdio` on the shared engine."""
    _require("sshd", "ssh-keygen", "docker")
    sshd = LocalSshd()
    try:
        sshd.start()
        yield sshd
    finally:
        sshd.stop()


@pytest.fixture(scope="session")
def tls_engine(
    docker_client: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[PrivateEngine, TlsFiles]]:
    """A private dockerd also listening with --tlsverify on an address in its own namespace."""
    _require("openssl", "dockerd", "nsenter", "ip")
    engine = PrivateEngine()
    try:
        files = make_tls_files(tmp_path_factory.mktemp("tls"), engine.pick_tcp_address())
        engine.listen_tls(files.ca, files.server_cert, files.server_key)
        engine.start()
        yield engine, files
    finally:
        engine.destroy()
