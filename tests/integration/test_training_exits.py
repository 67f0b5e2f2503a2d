"""The training container's own exit codes 4 (model validation) and 143 (`docker stop`), and
its own SIGTERM handling: the `.partial` file goes because the container removes it, with no
host-side cleanup (TrainingRun also deletes leftovers; it is not used here).

Everything is the real training image and `python -m training.train`'s real main() and train()
on a small corpus, except the signing step, replaced in the container by a stand-in that writes
the partial file and then fails validation or waits: a real run never fails validation (its
model is checked against itself), and signing needs the lab's keys; the faults are the point.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import docker
import pytest

from tests.integration.lab_fixtures import TEST_IMAGE_TAG
from tui.engine.build import BuildResult
from tui.engine.handles import bind_mount

pytestmark = [pytest.mark.docker, pytest.mark.slow]

STAND_IN = """
import sys, time
import training.train as train
from special_k.exceptions import ModelValidationError

def stand_in(model, partial, passphrase, provenance):
    partial.write_bytes(b"half a tarball")
    if sys.argv[1] == "invalid":
        raise ModelValidationError("predictions differ from those at training time")
    print("holding", flush=True)
    time.sleep(600)

train._sign_and_check = stand_in
sys.exit(train.main(["/models"]))
"""
SPORTS = ("chess", "rowing")


def small_corpus(folder: Path) -> None:
    folder.mkdir()
    for sport in SPORTS:
        lines = [f"{sport} story {i} about the {sport} match number {i % 17}" for i in range(160)]
        (folder / f"{sport}.txt").write_text("\n".join(lines) + "\n")


def run_stand_in(
    client: docker.DockerClient, tmp_path: Path, labels: dict[str, str], mode: str
) -> tuple[docker.models.containers.Container, Path]:
    small_corpus(tmp_path / "data")
    models = tmp_path / "models"
    models.mkdir()
    models.chmod(0o777)  # the image's user, whoever that is here
    secret = tmp_path / "passphrase"
    secret.write_text("not used by the stand-in\n")
    secret.chmod(0o644)
    container = client.containers.run(
        TEST_IMAGE_TAG,
        ["-c", STAND_IN, mode],
        entrypoint=["python"],
        detach=True,
        labels=labels,
        network_mode="none",
        init=True,  # as the lab runs it: docker-init is PID 1, python its child
        mounts=[
            bind_mount("/data", str(tmp_path / "data"), read_only=True),
            bind_mount("/models", str(models), read_only=False),
            bind_mount("/run/secrets/signing_passphrase", str(secret), read_only=True),
        ],
    )
    return container, models


def partial_name(models: Path) -> str:
    """The one file in `models`, when it is a partial tarball (else a name that fails)."""
    names = [p.name for p in models.iterdir()]
    return names[0] if len(names) == 1 and names[0].endswith(".tar.gz.partial") else "?"


def progress(container: docker.models.containers.Container) -> list[dict[str, object]]:
    lines = container.logs(stdout=True, stderr=False).decode().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_a_model_that_fails_validation_exits_4_and_leaves_no_partial_file(
    docker_client: docker.DockerClient,
    training_image: BuildResult,
    tmp_path: Path,
    test_labels: dict[str, str],
) -> None:
    container, models = run_stand_in(docker_client, tmp_path, test_labels, "invalid")
    try:
        status = container.wait(timeout=300)["StatusCode"]
        records = progress(container)
        assert status == 4, records[-3:]
        assert records[-1]["stage"] == "error" and records[-1]["exit_code"] == 4
        assert "ModelValidationError" in str(records[-1]["message"])
        assert not list(models.iterdir()), "no tarball and no partial file"
    finally:
        container.remove(force=True)


def test_docker_stop_exits_143_and_the_container_itself_removes_the_partial_file(
    docker_client: docker.DockerClient,
    training_image: BuildResult,
    tmp_path: Path,
    test_labels: dict[str, str],
) -> None:
    container, models = run_stand_in(docker_client, tmp_path, test_labels, "hold")
    try:
        deadline = time.monotonic() + 300
        while b"holding" not in container.logs(stdout=True, stderr=False):
            container.reload()
            assert container.status == "running", container.logs()[-2000:]
            assert time.monotonic() < deadline, "the run never reached the signing step"
            time.sleep(0.2)
        assert partial_name(models).endswith(".partial"), list(models.iterdir())
        container.stop(timeout=30)  # SIGTERM; SIGKILL only after 30 s
        status = container.wait(timeout=60)["StatusCode"]
        records = progress(container)
        assert status == 143, records[-3:]
        assert records[-1]["stage"] == "cancelled", records[-1]
        assert not list(models.iterdir()), "the cancelled run left its partial file"
    finally:
        container.remove(force=True)
