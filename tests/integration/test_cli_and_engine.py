"""The command line against the real engine: provisioning is idempotent, errors are one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import docker
import pytest

from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import TEST_IMAGE_TAG
from tui.engine.build import BuildResult
from tui.host.provision import ensure_base_image, ensure_engine
from tui.lab.container_spec import hardened
from tui.lab.identity import ensure_identity
from tui.paths import LabPaths


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=300,
    )


def test_engine_up_does_nothing_when_the_engine_and_image_are_there(
    docker_client: docker.DockerClient,
) -> None:
    assert ensure_engine(install=False).startswith("engine: already running")
    assert ensure_base_image("debian:bookworm-slim") == "base image: debian:bookworm-slim present"


@pytest.mark.bad_input
def test_an_unknown_base_image_is_refused_with_a_remedy(docker_client: docker.DockerClient) -> None:
    from tui.errors import LabError

    with pytest.raises(LabError, match="cannot be pulled"):
        ensure_base_image("no-such-registry.invalid/nothing:1")


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("verify", "/no/such/model.tar.gz"), "no file at"),
        (("verify", "/"), "not a regular file"),
        (("--host", "unix:///no/such.sock", "train"), "No Docker engine answers"),
    ],
)
def test_bad_input_gives_one_line_and_no_traceback(
    docker_client: docker.DockerClient, lab: LabPaths, args: tuple[str, ...], fragment: str
) -> None:
    result = run_cli(*args, cwd=lab.project, env={"CONTAINER_LAB_PROJECT": str(lab.project)})
    assert result.returncode == 2
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.bad_input
def test_training_without_keys_says_to_run_keys_init(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    (tmp_path / "compose.yaml").write_text("services: {}\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    result = run_cli("train", cwd=tmp_path, env={"CONTAINER_LAB_PROJECT": str(tmp_path)})
    assert result.returncode == 2
    assert "run `container-lab keys init`" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_is_ready_answers_by_docker_exec_without_sleeping(
    docker_client: docker.DockerClient, lab: LabPaths, training_image: BuildResult
) -> None:
    """The readiness check the host runs with `docker exec`, before and after the tarball."""
    identity = ensure_identity(lab.env_file)
    settings = hardened(identity, LABELS)
    # `cat` blocks on the open stdin: the container stays up without a sleep.
    container = docker_client.containers.run(
        TEST_IMAGE_TAG, entrypoint=["cat"], command=[], stdin_open=True, detach=True, **settings
    )
    try:
        before = container.exec_run(["python", "-m", "training.is_ready"])
        assert before.exit_code == 1 and b"not ready" in before.output
        container.exec_run(
            ["sh", "-c", "echo m > /tmp/m.tar.gz; echo /tmp/m.tar.gz > /tmp/container-lab-ready"]
        )
        after = container.exec_run(["python", "-m", "training.is_ready"])
        assert after.exit_code == 0 and after.output.strip() == b"/tmp/m.tar.gz"
    finally:
        container.remove(force=True)
