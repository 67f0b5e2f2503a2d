"""Tampering: every kind of damage, each verified in its own (forked) process.

The harness runs inside the training image with only the public key: a flipped byte in each
member, truncations, an extra top-level folder, an extra .py member, a 1.5 GiB member of zeros,
a doubled file, a model signed by an untrusted key; then fuzzing: 400 random byte flips of the
uncompressed archive (recompressed, so they reach our own checks), 100 in its header blocks
alone and 40 in the gzip file. None may load and none may crash the process that verifies it.
Each named kind counts once in the robustness line; the fuzzing is reported apart, per check
that refused.
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
RANDOM_FLIPS = 400
HARNESS_WAIT = 1700  # seconds: some 570 verifications, each in its own process

pytestmark = [pytest.mark.slow, pytest.mark.timeout(HARNESS_WAIT + 600)]


def test_no_tampered_model_loads_and_none_crashes(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    tmp_path: Path,
    bad_input: Callable[[str], None],
    fuzz: Callable[[str, dict[str, int]], None],
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
        status = container.wait(timeout=HARNESS_WAIT)
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
    fuzzing = {kind: bucket for kind, bucket in results.items() if kind.startswith("fuzz: ")}
    assert fuzzing["fuzz: uncompressed archive"]["tried"] == RANDOM_FLIPS
    assert fuzzing["fuzz: uncompressed header blocks"]["tried"] == RANDOM_FLIPS // 4
    assert fuzzing["fuzz: gzip file"]["tried"] == RANDOM_FLIPS // 10
    # Past gzip's CRC: the uncompressed flips are refused by our own checks, none by gzip.
    assert "gzip" not in fuzzing["fuzz: uncompressed archive"]["by_check"]
    assert "manifest" in fuzzing["fuzz: uncompressed archive"]["by_check"]
    headers = fuzzing["fuzz: uncompressed header blocks"]["by_check"]
    assert headers == {"tar header": RANDOM_FLIPS // 4}, headers
    assert results["signed by an untrusted key"]["by_check"] == {"signature": 1}
    assert results["extra top-level folder"]["by_check"] == {"layout": 1}
    assert {"flip:meta.json.asc", "flip:THEMODEL.pickle", "flip:meta.version"} <= set(results)
    assert "flip:container-lab.json.asc" in results
    for kind in ("extra .py member", "1.5 GiB member of zeros", "doubled"):
        assert results[kind]["refused"] == 1, (kind, results[kind])
    for kind, bucket in sorted(results.items()):
        if kind in fuzzing:
            fuzz(kind.removeprefix("fuzz: "), {"tried": bucket["tried"], **bucket["by_check"]})
        else:
            assert bucket["refused"] + bucket["unchanged_content_loaded"] == bucket["tried"]
            bad_input(f"tampered model: {kind}")
