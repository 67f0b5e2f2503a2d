"""Fixtures for the training lab (a lab copy, its image, one trained model, per session), the
other engines the tests start themselves: Podman, a local sshd, a TLS dockerd, and the two
Compose CLIs: bookworm's docker-compose v1 and the `docker compose` v2 plugin `./lab test`
extracts from trixie's package."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from bench.private_engine import PrivateEngine
from tests.conftest import SESSION_LABELS, TEST_IMAGE
from tests.fixtures import compose_v2
from tests.integration.engines import (
    LocalSshd,
    PodmanService,
    TlsFiles,
    make_tls_files,
    missing_tools,
)
from tests.integration.lab_fixtures import TEST_IMAGE_TAG, copy_lab
from tui.engine.build import BuildResult
from tui.engine.compose import COMPOSE_ENV, compose_command
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
def foreign(
    docker_client: docker.DockerClient,
    training_image: BuildResult,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[LabPaths, Path]:
    """Another lab, its own key, and a model it trained and signed."""
    other = copy_lab(tmp_path_factory.mktemp("foreign"))
    outcome = TrainingRun(docker_client, other, image=TEST_IMAGE_TAG, labels=LABELS).run()
    assert outcome.tarball is not None, outcome.last_lines
    return other, outcome.tarball


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


# Where `./lab test` puts the v2 plugin (tests/fixtures/compose_v2.py); nowhere on the
# machine's own paths.
COMPOSE_V2_PLUGIN = compose_v2.PLUGIN
COMPOSE_V2_VERSION = compose_v2.VERSION


@dataclass(frozen=True)
class ComposeTool:
    """The compose CLI a test runs, and how its containers show which one made them."""

    version: str  # "v1" or "v2"
    command: tuple[str, ...]

    def container_name(self, project: str, service: str) -> str:
        """v2 names containers <project>-<service>-1, v1 <project>_<service>_1."""
        separator = "-" if self.version == "v2" else "_"
        return separator.join((project, service, "1"))

    @property
    def label_prefix(self) -> str:
        """How the com.docker.compose.version label of its containers starts."""
        return COMPOSE_V2_VERSION if self.version == "v2" else "1."


def docker_config(folder: Path, compose_plugin: Path | None) -> Path:
    """A DOCKER_CONFIG in `folder` linking the user's entries (contexts, config.json), whose
    cli-plugins holds `compose_plugin` alone (or nothing)."""
    own = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    folder.mkdir()
    if own.is_dir():
        for entry in own.iterdir():
            if entry.name != "cli-plugins":
                (folder / entry.name).symlink_to(entry)
    (folder / "cli-plugins").mkdir()
    if compose_plugin is not None:
        (folder / "cli-plugins" / "docker-compose").symlink_to(compose_plugin)
    return folder


@pytest.fixture()
def compose_tool(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> ComposeTool:
    """The compose CLI the lab runs in this test. Parametrized (indirect) "v1" or "v2": chosen
    through $CONTAINER_LAB_COMPOSE, with a DOCKER_CONFIG whose plugins are the v2 one for v2 and
    none for v1. Unparametrized: the one detected here, nothing changed."""
    wanted = getattr(request, "param", None)
    if wanted is None:
        command = compose_command()
        return ComposeTool("v2" if command == ("docker", "compose") else "v1", command)
    if wanted == "v1":
        _require("docker-compose")
        monkeypatch.setenv("DOCKER_CONFIG", str(docker_config(tmp_path / "docker-v1", None)))
        monkeypatch.setenv(COMPOSE_ENV, "docker-compose")
        return ComposeTool("v1", ("docker-compose",))
    assert wanted == "v2", wanted
    _require("docker")
    if not COMPOSE_V2_PLUGIN.is_file():
        pytest.skip(f"Compose v2 is not at {COMPOSE_V2_PLUGIN}: `./lab test` fetches it")
    config = docker_config(tmp_path / "docker-v2", COMPOSE_V2_PLUGIN)
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, timeout=30, check=False
    )
    assert COMPOSE_V2_VERSION in probe.stdout, probe.stdout + probe.stderr
    monkeypatch.setenv(COMPOSE_ENV, "docker compose")
    return ComposeTool("v2", ("docker", "compose"))
