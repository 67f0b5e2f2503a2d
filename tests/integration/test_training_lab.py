"""The training lab end to end, against the real engine: build, train, sign, verify."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tarfile
from pathlib import Path

import docker
import pytest

from tests.conftest import session_tag
from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import TEST_IMAGE_TAG, copy_lab
from tui.engine.build import BuildResult, BuildStep, build_image
from tui.lab.identity import ensure_identity, load_identity
from tui.lab.keys import load_keys
from tui.lab.run import RunEvent, RunOutcome, TrainingRun, describe_failure
from tui.lab.verify import verify_tarball
from tui.paths import LabPaths

pytestmark = pytest.mark.slow


def step_for(result: BuildResult, fragment: str) -> BuildStep:
    """The first step whose instruction contains `fragment`."""
    return next(step for step in result.steps if fragment in step.instruction)


def expected_owner(lab: LabPaths) -> tuple[int, int]:
    """The caller's ids; as root (CI) the non-root stand-in written to .env."""
    identity = load_identity(lab.env_file)
    if os.getuid() != 0:
        assert (identity.uid, identity.gid) == (os.getuid(), os.getgid())
    assert identity.uid != 0 and identity.gid != 0
    return identity.uid, identity.gid


def test_image_builds_as_non_root_with_oci_labels(
    docker_client: docker.DockerClient, training_image: BuildResult, lab: LabPaths
) -> None:
    image = docker_client.images.get(TEST_IMAGE_TAG)
    labels = image.labels
    assert labels["org.opencontainers.image.title"] == "container-lab-training"
    uid, gid = expected_owner(lab)
    assert labels["org.container-lab.user-id"] == str(uid)
    assert labels["org.container-lab.group-id"] == str(gid)
    assert image.attrs["Config"]["User"] == f"{uid}:{gid}"
    assert image.attrs["Config"]["Entrypoint"] == ["python", "-m", "training.train"]
    whoami = docker_client.containers.run(
        TEST_IMAGE_TAG, entrypoint=["id", "-u"], remove=True, labels=LABELS
    )
    assert whoami.decode().strip() == str(uid)


def test_sdk_training_leaves_a_verified_tarball_owned_by_the_caller(
    docker_client: docker.DockerClient, lab: LabPaths, trained: tuple[RunOutcome, list[RunEvent]]
) -> None:
    outcome, events = trained
    assert outcome.exit_code == 0, describe_failure(outcome)
    assert outcome.tarball is not None and outcome.tarball.is_file()
    assert outcome.tarball.parent == lab.models
    assert outcome.tarball.name.startswith("sports-classifier-")
    stat = outcome.tarball.stat()
    assert (stat.st_uid, stat.st_gid) == expected_owner(lab)
    assert not list(lab.models.glob(".*partial")), "a partial file was left behind"
    stages = [e.progress.stage for e in events if e.progress]
    assert stages[0] == "start" and stages[-1] == "done"
    assert {"load", "fit", "evaluate", "sign", "verify"} <= set(stages)
    assert any(e.kind == "tarball" for e in events), "the watcher never reported the tarball"
    assert outcome.metrics["accuracy"] >= 0.7 and outcome.metrics["macro_f1"] >= 0.7

    verdict = verify_tarball(
        docker_client, outcome.tarball, lab, image=TEST_IMAGE_TAG, labels=LABELS
    )
    assert verdict.ok, verdict.reason
    assert verdict.details["model"] == "sports-classifier"
    assert len(verdict.details["labels"]) >= 6
    assert verdict.details["metrics"] == outcome.metrics
    assert not docker_client.containers.list(
        ignore_removed=True,
        all=True,
        filters={"label": ["org.container-lab.role", *(f"{k}={v}" for k, v in LABELS.items())]},
    )


def _rewrite_member(source: Path, target: Path, member_suffix: str, flip_at: int) -> None:
    """Copy a model tarball, flipping one byte inside the member whose name ends so."""
    with tarfile.open(source, "r:gz") as original, tarfile.open(target, "w:gz") as copy:
        for member in original.getmembers():
            file = original.extractfile(member) if member.isfile() else None
            data = file.read() if file is not None else None
            if data is not None and member.name.endswith(member_suffix):
                payload = bytearray(data)
                payload[flip_at % len(payload)] ^= 0x01
                data = bytes(payload)
            copy.addfile(member, io.BytesIO(data) if data is not None else None)


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("member", "flip_at", "reason"),
    [
        ("THEMODEL.pickle", 200, "tampered"),
        ("meta.json.asc", 200, "meta.json.asc differs from the seal's manifest in sha256"),
        # in the seal's signature block, so its claimed manifest still matches the members
        ("container-lab.json.asc", -100, "container-lab.json.asc: signature refused"),
    ],
)
def test_a_tampered_tarball_is_refused(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    tmp_path: Path,
    member: str,
    flip_at: int,
    reason: str,
) -> None:
    tampered = tmp_path / "tampered.tar.gz"
    _rewrite_member(model_tarball, tampered, member, flip_at=flip_at)
    verdict = verify_tarball(docker_client, tampered, lab, image=TEST_IMAGE_TAG, labels=LABELS)
    assert not verdict.ok
    assert reason in verdict.reason
    assert "\n" not in verdict.reason


@pytest.mark.bad_input
def test_a_truncated_tarball_is_refused(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    tmp_path: Path,
) -> None:
    data = model_tarball.read_bytes()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(data[: len(data) // 2])
    verdict = verify_tarball(docker_client, truncated, lab, image=TEST_IMAGE_TAG, labels=LABELS)
    assert not verdict.ok
    assert "not a complete gzip tarball" in verdict.reason
    assert gzip.decompress(data)  # the control: the untruncated original is whole


@pytest.mark.bad_input
def test_a_foreign_key_is_not_trusted(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    tmp_path: Path,
) -> None:
    """A model signed by a key that merely exists elsewhere is refused by this lab."""
    other = copy_lab(tmp_path / "other-lab")
    assert load_keys(other).fingerprint != load_keys(lab).fingerprint
    verdict = verify_tarball(
        docker_client, model_tarball, other, image=TEST_IMAGE_TAG, labels=LABELS
    )
    assert not verdict.ok
    assert "trusted key" in verdict.reason


@pytest.mark.bad_input
def test_wrong_passphrase_gives_one_line_and_no_tarball(
    docker_client: docker.DockerClient,
    training_image: BuildResult,
    trained: tuple[RunOutcome, list[RunEvent]],
    tmp_path: Path,
) -> None:
    """After a good signature (the agent-caching trap), a wrong passphrase must still fail."""
    bad = copy_lab(tmp_path / "bad-passphrase")
    keys = load_keys(bad)
    keys.passphrase.write_text("not-the-passphrase\n")
    run = TrainingRun(docker_client, bad, image=TEST_IMAGE_TAG, labels=LABELS)
    outcome = run.run()
    assert outcome.exit_code == 3
    assert outcome.tarball is None
    message = describe_failure(outcome)
    assert "bad passphrase" in message and "\n" not in message
    assert not any(bad.models.iterdir()), "a failed run left files in models/"


def test_a_code_only_change_reuses_the_dependency_layers(
    docker_client: docker.DockerClient, training_image: BuildResult, tmp_path: Path
) -> None:
    lab = copy_lab(tmp_path / "code-change")
    identity = ensure_identity(lab.env_file)
    with (lab.project / "training" / "train.py").open("a") as handle:
        handle.write("\n# a code-only change\n")
    buildargs = {"USER_ID": str(identity.uid), "GROUP_ID": str(identity.gid)}
    result = build_image(
        docker_client,
        lab.project,
        session_tag("-code-change"),
        buildargs=buildargs,
        labels=LABELS,
    )
    assert step_for(result, "install-debian-packages.sh").cached
    assert step_for(result, "pip install").cached
    assert step_for(result, "useradd").cached
    assert not step_for(result, "COPY training/ /app/training/").cached
    # FROM and the ARG before it never print "Using cache"; every other step before the code does.
    rebuilt = [
        s for s in result.steps if not s.cached and not s.instruction.startswith(("FROM", "ARG"))
    ]
    assert rebuilt[0].instruction == "COPY training/ /app/training/"


def test_the_image_history_holds_no_private_key(
    docker_client: docker.DockerClient, lab: LabPaths, training_image: BuildResult, tmp_path: Path
) -> None:
    """Scan every layer, the config and the history for the canary key; prove the scan works."""
    from tests.integration.image_scan import canaries_for, scan_image

    keys = load_keys(lab)
    canaries = canaries_for(keys)
    assert scan_image(docker_client, TEST_IMAGE_TAG, canaries) == []

    # Positive control: a key copied in and deleted in a later layer is still found.
    context = tmp_path / "leaky"
    context.mkdir()
    shutil.copy(keys.secret_key, context / "leak.asc")
    (context / "Dockerfile").write_text(
        f"FROM {TEST_IMAGE_TAG}\nUSER root\nCOPY leak.asc /tmp/leak.asc\nRUN rm /tmp/leak.asc\n"
    )
    build_image(docker_client, context, session_tag("-leaky"), labels=LABELS)
    found = scan_image(docker_client, session_tag("-leaky"), canaries)
    assert any(hit.startswith("armour line in") for hit in found), found
