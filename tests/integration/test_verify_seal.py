"""The signed seal: training time and member manifest, and models made before it.

A genuinely signed model renamed with another timestamp verified before (issue 21 item 10);
now the signed training time is printed and a name that disagrees with it is refused. A model
made by the code before seals (its training run's own `_sign_and_check`, kept below) still
verifies, with a note; a sealed model whose seal was stripped off is refused.
"""

from __future__ import annotations

import shutil
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docker
import pytest

from tests.conftest import session_tag
from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import TEST_IMAGE_TAG, copy_lab
from tests.integration.verify_checks import assert_one_line, assert_refused
from tui.engine.build import BuildResult
from tui.lab.run import TrainingRun
from tui.lab.verify import verify_from_cli, verify_tarball
from tui.paths import PROJECT_ENV, LabPaths

pytestmark = pytest.mark.slow
LEGACY_IMAGE = session_tag("-before-seals")
STAMP = "%Y%m%dT%H%M%SZ"

# train.py's signing step as it was before seals (commit 266558d), put back in a lab copy.
BEFORE_SEALS = """

def _sign_and_check(model, partial, passphrase, provenance=None):  # as before seals
    import special_k

    with private_gnupg_home() as home:
        fingerprint = import_signing_key(home, SIGNING_KEY)
        emit("sign", 0.7, f"signing with key {fingerprint[-16:]}", fingerprint=fingerprint)
        model.metadata["signing_key"] = key_name_for(TRUSTED_KEYS_DIR, fingerprint)
        special_k.save_model_to_tarball(model, str(partial), str(home), fingerprint, passphrase)
    emit("verify", 0.9, "checking signature and model validation")
    special_k.load_model_from_tarball(str(partial))

"""


@pytest.fixture(scope="module")
def model_before_seals(
    docker_client: docker.DockerClient,
    training_image: BuildResult,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[LabPaths, Path]:
    """A lab whose training code signs as it did before seals, and a model it made."""
    old = copy_lab(tmp_path_factory.mktemp("before-seals"))
    train = old.project / "training" / "train.py"
    code = train.read_text()
    main_guard = '\nif __name__ == "__main__":'
    assert main_guard in code
    train.write_text(code.replace(main_guard, BEFORE_SEALS + main_guard))
    outcome = TrainingRun(docker_client, old, image=LEGACY_IMAGE, labels=LABELS).run()
    assert outcome.tarball is not None, outcome.last_lines
    with tarfile.open(outcome.tarball) as archive:
        assert not any(n.endswith("container-lab.json.asc") for n in archive.getnames())
    return old, outcome.tarball


def _cli(lab: LabPaths, path: Path, monkeypatch: pytest.MonkeyPatch, image: str) -> int:
    monkeypatch.setenv(PROJECT_ENV, str(lab.project))
    return verify_from_cli(path, image=image, labels=LABELS)


def _renamed(model: Path, folder: Path, days: int) -> Path:
    stamp = model.name.removeprefix("sports-classifier-").removesuffix(".tar.gz")
    later = datetime.strptime(stamp, STAMP).replace(tzinfo=UTC) + timedelta(days=days)
    target = folder / f"sports-classifier-{later.strftime(STAMP)}.tar.gz"
    shutil.copyfile(model, target)
    return target


def test_a_sealed_model_shows_its_signed_time_and_manifest(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _cli(lab, model_tarball, monkeypatch, TEST_IMAGE_TAG) == 0
    out = capsys.readouterr().out
    stamp = datetime.strptime(model_tarball.name[18:34], STAMP).replace(tzinfo=UTC)
    assert f"trained at {stamp.isoformat()[:19]}" in out, out
    assert "(signed)" in out and "all 7 members match the signed manifest" in out, out


@pytest.mark.bad_input
def test_a_model_renamed_with_a_newer_timestamp_is_refused(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bad_input: Callable[[str], None],
) -> None:
    renamed = _renamed(model_tarball, tmp_path, days=30)
    assert _cli(lab, renamed, monkeypatch, TEST_IMAGE_TAG) == 1
    err = capsys.readouterr().err
    assert_one_line(err)
    signed = model_tarball.name[18:34]
    assert f"but it was signed as trained at {signed}" in err, err
    bad_input("genuine model renamed with a newer timestamp")


@pytest.mark.bad_input
def test_a_sealed_model_stripped_of_its_seal_is_refused(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    tmp_path: Path,
    bad_input: Callable[[str], None],
) -> None:
    stripped = tmp_path / model_tarball.name
    with tarfile.open(model_tarball) as old, tarfile.open(stripped, "w:gz") as new:
        for member in old.getmembers():
            if not member.name.endswith("container-lab.json.asc"):
                new.addfile(member, old.extractfile(member) if member.isfile() else None)
    assert_refused(
        docker_client,
        stripped,
        lab,
        model_tarball,
        "packed with a signed member manifest (container-lab.json.asc)",
        "it was repacked",
        image=TEST_IMAGE_TAG,
        labels=LABELS,
    )
    bad_input("sealed model with its seal stripped off")


@pytest.mark.bad_input
def test_a_model_made_before_seals_verifies_with_a_note_and_its_signed_time(
    docker_client: docker.DockerClient,
    model_before_seals: tuple[LabPaths, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bad_input: Callable[[str], None],
) -> None:
    old, model = model_before_seals
    verdict = verify_tarball(docker_client, model, old, image=LEGACY_IMAGE, labels=LABELS)
    assert verdict.ok, verdict.reason
    assert verdict.details["manifest"].startswith("no member manifest (made before manifests)")
    assert verdict.details["trained_at"].startswith(
        datetime.strptime(model.name[18:34], STAMP).replace(tzinfo=UTC).isoformat()[:19]
    )
    assert _cli(old, model, monkeypatch, LEGACY_IMAGE) == 0
    out = capsys.readouterr().out
    assert "no member manifest (made before manifests)" in out
    assert "model digest: none (made before provenance)" in out  # and it still verifies
    assert verdict.details["provenance"] is None and verdict.details["digest"] is None
    renamed = _renamed(model, tmp_path, days=-1)
    assert_refused(
        docker_client,
        renamed,
        old,
        model,
        "signed as trained at",
        image=LEGACY_IMAGE,
        labels=LABELS,
    )
    bad_input("model made before seals, renamed with an older timestamp")
