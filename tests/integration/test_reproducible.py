"""Reproducible training, on the real engine: the same model digest from two runc runs, a gVisor
run and a Podman run; a changed corpus file gives another digest and `reproduce` names it.

The session's model (`trained`, runc) is the reference; each test here adds one run of its own.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from tests.integration.conftest import LABELS
from tests.integration.engines import PodmanService
from tests.integration.lab_fixtures import TEST_IMAGE_TAG, copy_lab
from tests.integration.verify_checks import assert_refused
from training.sbom import kind_counts
from tui.engine.build import BuildResult
from tui.engine.image_files import image_files
from tui.engine.runtimes import LAB_RUNTIME
from tui.errors import LabError
from tui.lab.reproduce import EXIT_DIFFERENT, reproduce, reproduce_from_cli, verdict_line
from tui.lab.run import RunEvent, RunOutcome, TrainingRun
from tui.lab.runs import load_records
from tui.lab.sbom import image_sbom
from tui.lab.verify import verify_from_cli, verify_tarball
from tui.paths import PROJECT_ENV, LabPaths

pytestmark = pytest.mark.docker
Trained = tuple[RunOutcome, list[RunEvent]]


def _digest(trained: Trained) -> str:
    outcome, _ = trained
    assert outcome.tarball is not None and len(outcome.digest) == 64, outcome.last_lines
    return outcome.digest


def test_the_model_carries_its_signed_provenance_and_digest(
    docker_client: docker.DockerClient, lab: LabPaths, trained: Trained
) -> None:
    outcome, _ = trained
    assert outcome.tarball is not None
    verdict = verify_tarball(docker_client, outcome.tarball, lab, image=TEST_IMAGE_TAG)
    assert verdict.ok, verdict.reason
    details = verdict.details
    assert details["digest"] == _digest(trained)
    provenance = details["provenance"]
    assert provenance["environment"]["runtime"] == "runc"
    assert provenance["image"]["id"].startswith("sha256:")
    assert provenance["image"]["base"]["id"].startswith("sha256:")
    assert set(provenance["inputs"]["corpus"]) == {p.name for p in lab.data.glob("*.txt")}
    assert provenance["training"]["libraries"]["scikit-learn"]
    assert provenance["metrics"] == details["metrics"]
    assert "subjects match the members" in details["attestation"]


def test_verify_prints_the_digest_with_the_signed_time_and_json_the_whole_report(
    lab: LabPaths,
    trained: Trained,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    outcome, _ = trained
    assert outcome.tarball is not None
    monkeypatch.setenv(PROJECT_ENV, str(lab.project))
    assert verify_from_cli(outcome.tarball, image=TEST_IMAGE_TAG, labels=LABELS) == 0
    out = capsys.readouterr().out
    assert f"model digest sha256:{_digest(trained)} (signed, trained at 20" in out, out
    assert "provenance: image sha256:" in out and "with runtime runc" in out, out
    code = verify_from_cli(outcome.tarball, image=TEST_IMAGE_TAG, labels=LABELS, as_json=True)
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["ok"] is True
    assert report["digest"] == _digest(trained)
    assert report["provenance"]["digest"]["sha256"] == _digest(trained)
    assert report["provenance"]["inputs"]["corpus"]


def test_the_images_sbom_is_the_one_the_provenance_names(
    docker_client: docker.DockerClient, trained: Trained
) -> None:
    outcome, _ = trained
    assert outcome.provenance is not None
    sbom = image_sbom(TEST_IMAGE_TAG, lambda pick: image_files(docker_client, TEST_IMAGE_TAG, pick))
    recorded = outcome.provenance["inputs"]["sbom"]
    assert sbom.digest == recorded["sha256"], "read from the layers, it is what the run measured"
    counts = kind_counts(sbom.packages)
    assert counts == recorded["components"]
    assert counts["debian"] > 50 and counts["python"] > 10, counts
    names = {p.name for p in sbom.packages}
    assert {"scikit-learn", "numpy", "libc6", "python3"} <= names
    print(f"SBOM: {counts}, sha256 {sbom.digest}")


def test_provenance_edited_after_signing_fails_the_seals_signature(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    trained: Trained,
    tmp_path: Path,
    bad_input: Callable[[str], None],
) -> None:
    outcome, _ = trained
    assert outcome.tarball is not None
    archive = gzip.decompress(outcome.tarball.read_bytes())
    claimed = b'"runtime": "runc"'
    assert archive.count(claimed) == 1, "the seal's provenance names the runtime once"
    # The same length, so every tar header stays as it was: only the signed text changes.
    edited = tmp_path / outcome.tarball.name
    edited.write_bytes(gzip.compress(archive.replace(claimed, b'"runtime": "runx"'), mtime=0))
    assert_refused(
        docker_client,
        edited,
        lab,
        outcome.tarball,
        "signature refused",
        image=TEST_IMAGE_TAG,
        labels=LABELS,
    )
    bad_input("provenance edited after signing")


def test_a_second_runc_run_reproduces_the_digest(
    docker_client: docker.DockerClient, lab: LabPaths, trained: Trained
) -> None:
    said: list[str] = []
    outcome, _ = trained
    assert outcome.tarball is not None
    found = reproduce(
        docker_client, outcome.tarball, lab, image=TEST_IMAGE_TAG, labels=LABELS, say=said.append
    )
    assert found.differences == [], said
    assert found.outcome is not None and found.outcome.digest == _digest(trained), verdict_line(
        found
    )
    assert found.identical
    assert verdict_line(found).startswith(f"reproduced {outcome.tarball.name}")
    print(f"runc run 2: digest {found.outcome.digest} in {found.outcome.seconds:.1f} s")
    records, problems = load_records(lab)
    assert problems == []
    again = [r for r in records if r.reproduces == outcome.tarball.name]
    assert len(again) == 1 and again[0].identical is True


def test_a_gvisor_run_gives_the_same_digest(
    docker_client: docker.DockerClient, lab: LabPaths, trained: Trained
) -> None:
    run = TrainingRun(
        docker_client, lab, image=TEST_IMAGE_TAG, labels=LABELS, runtime=LAB_RUNTIME, build=False
    )
    outcome = run.run()
    assert outcome.tarball is not None, outcome.last_lines
    assert outcome.provenance is not None
    assert outcome.provenance["environment"]["runtime"] == LAB_RUNTIME
    inside = outcome.provenance["environment"]["kernel"]
    assert inside["inside"] != inside["host"], "gVisor shows its own kernel version"
    print(f"runsc: digest {outcome.digest} in {outcome.seconds:.1f} s")
    assert outcome.digest == _digest(trained)


def test_a_podman_run_gives_the_same_digest(
    podman_service: PodmanService,
    training_image: BuildResult,
    lab: LabPaths,
    trained: Trained,
) -> None:
    podman_service.load_image(TEST_IMAGE_TAG)
    client = docker.DockerClient(base_url=podman_service.url)
    try:
        run = TrainingRun(client, lab, image=TEST_IMAGE_TAG, labels=LABELS, build=False)
        outcome = run.run()
    finally:
        client.close()
    assert outcome.tarball is not None, outcome.last_lines
    assert outcome.provenance is not None
    assert "podman" in outcome.provenance["environment"]["engine"]["name"].lower()
    print(f"podman: digest {outcome.digest} in {outcome.seconds:.1f} s")
    assert outcome.digest == _digest(trained)


def _not_for_the_twin(folder: str, names: list[str]) -> set[str]:
    """What a twin leaves behind: models, runs, caches, the VM baseline's disks (other tests
    of this session build them in this lab: a rootfs holds device nodes, and copying
    /dev/full reads zeros until the disk is full) and anything not a file, folder or link."""
    skipped = {"models", "runs", "__pycache__"} & set(names)
    if Path(folder).name == ".lab":
        skipped |= {"baseline"} & set(names)
    for name in names:
        mode = os.lstat(os.path.join(folder, name)).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
            skipped.add(name)
    return skipped


def _lab_twin(lab: LabPaths, target: Path) -> LabPaths:
    """A copy of the lab with the same keys (its models verify there), without its models."""
    shutil.copytree(lab.project, target, symlinks=True, ignore=_not_for_the_twin)
    twin = LabPaths(target)
    twin.models.mkdir(exist_ok=True)
    return twin


def test_a_changed_corpus_file_gives_another_digest_and_is_named(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    trained: Trained,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcome, _ = trained
    assert outcome.tarball is not None
    twin = _lab_twin(lab, tmp_path / "lab")
    changed = sorted(twin.data.glob("*.txt"))[0]
    with changed.open("a", encoding="utf-8") as handle:
        handle.write("the keeper saved a penalty kick in the last minute of the final\n")
    monkeypatch.chdir(twin.project)
    code = reproduce_from_cli(outcome.tarball, image=TEST_IMAGE_TAG, labels=LABELS)
    out, err = capsys.readouterr()
    assert code == EXIT_DIFFERENT, out + err
    assert f"differs: corpus file {changed.name} differs" in out
    assert "not reproduced" in err and changed.name in err
    records, _ = load_records(twin)
    assert len(records) == 1 and records[0].identical is False
    assert records[0].digest and records[0].digest != _digest(trained)
    print(f"changed corpus: digest {records[0].digest} in {records[0].seconds:.1f} s")


def test_reproduce_refuses_a_foreign_model_in_one_line(
    docker_client: docker.DockerClient,
    training_image: BuildResult,
    trained: Trained,
    tmp_path: Path,
    bad_input: Callable[[str], None],
) -> None:
    outcome, _ = trained
    assert outcome.tarball is not None
    other = copy_lab(tmp_path / "other")  # its own keys: the session's model is foreign here
    with pytest.raises(LabError) as raised:
        reproduce(docker_client, outcome.tarball, other, image=TEST_IMAGE_TAG, labels=LABELS)
    message = str(raised.value)
    assert "\n" not in message and "does not verify" in message
    assert load_records(other) == ([], [])  # nothing was trained
    bad_input("reproduce: a model signed by a key this lab does not trust")


def test_reproduce_names_a_missing_base_image_in_one_line(
    docker_client: docker.DockerClient,
    trained: Trained,
    tmp_path: Path,
    bad_input: Callable[[str], None],
) -> None:
    outcome, _ = trained
    assert outcome.tarball is not None
    other = copy_lab(tmp_path / "other")
    dockerfile = other.project / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    missing = "container-lab-test/no-such-base:none"
    dockerfile.write_text(
        "\n".join(
            f"ARG BASE_IMAGE={missing}" if line.startswith("ARG BASE_IMAGE=") else line
            for line in text.splitlines()
        )
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(LabError) as raised:
        reproduce(docker_client, outcome.tarball, other, image=TEST_IMAGE_TAG, labels=LABELS)
    message = str(raised.value)
    assert "\n" not in message and missing in message and "missing image" in message
    bad_input("reproduce: the Dockerfile's base image is not in the engine")
