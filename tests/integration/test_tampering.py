"""special_k tampering: every kind of damage, each verified in its own (forked) process.

The harness runs inside the training image with only the public key: a flipped byte in each
member, truncations, an extra top-level folder, an extra .py member, a 1.5 GiB member of zeros,
a doubled file, a model signed by an untrusted key, and 1,000 random byte flips. None may load
and none may crash the process that verifies it; each refused input counts in the summary.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import TEST_IMAGE_TAG, copy_lab
from tui.lab.container_spec import hardened
from tui.lab.identity import ensure_identity
from tui.lab.run import TrainingRun
from tui.paths import LabPaths

HARNESS = Path(__file__).with_name("tamper_harness.py")
RANDOM_FLIPS = 1000

pytestmark = pytest.mark.slow


def test_no_tampered_model_loads_and_none_crashes(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    tmp_path: Path,
    bad_input: Callable[[str], None],
) -> None:
    foreign_lab = copy_lab(tmp_path / "foreign")
    foreign = TrainingRun(docker_client, foreign_lab, image=TEST_IMAGE_TAG, labels=LABELS).run()
    assert foreign.tarball is not None, foreign.last_lines

    inputs = tmp_path / "inputs"
    inputs.mkdir(mode=0o755)
    shutil.copyfile(model_tarball, inputs / "good.tar.gz")
    shutil.copyfile(foreign.tarball, inputs / "foreign.tar.gz")
    shutil.copyfile(HARNESS, inputs / "tamper_harness.py")
    for entry in inputs.iterdir():
        entry.chmod(0o644)
    identity = ensure_identity(lab.env_file)
    settings = hardened(identity, LABELS)
    container = docker_client.containers.run(
        TEST_IMAGE_TAG,
        entrypoint=["python", "/inputs/tamper_harness.py"],
        command=["/inputs/good.tar.gz", "/inputs/foreign.tar.gz", str(RANDOM_FLIPS)],
        environment={"PYTHONPATH": "/app"},
        volumes={
            str(inputs): {"bind": "/inputs", "mode": "ro"},
            str(lab.trusted_keys): {"bind": "/trusted-keys", "mode": "ro"},
        },
        detach=True,
        **settings,
    )
    try:
        status = container.wait(timeout=1200)
        output = container.logs(stdout=True, stderr=False).decode()
        errors = container.logs(stdout=False, stderr=True).decode()
    finally:
        container.remove(force=True)
    assert output.strip(), f"the harness printed nothing (exit {status}): {errors[-2000:]}"
    summary = json.loads(output.strip().splitlines()[-1])
    results = summary["results"]
    tried = sum(bucket["tried"] for bucket in results.values())
    print(f"\ntampering: {tried} damaged models tried, {summary['failures']} loaded or crashed")
    for kind, bucket in sorted(results.items()):
        print(f"  {kind}: {bucket}")
    assert summary["failures"] == 0
    assert results["random byte flip"]["tried"] == RANDOM_FLIPS
    assert results["signed by an untrusted key"]["refused"] == 1
    assert results["extra top-level folder"]["refused"] == 1
    assert {"flip:meta.json.asc", "flip:THEMODEL.pickle", "flip:meta.version"} <= set(results)
    for kind in ("extra .py member", "1.5 GiB member of zeros", "doubled"):
        assert results[kind]["refused"] == 1, (kind, results[kind])
    for kind, bucket in sorted(results.items()):
        for number in range(bucket["refused"]):
            bad_input(f"tampered model: {kind} #{number + 1}")
