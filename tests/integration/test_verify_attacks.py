"""Attacks on `verify`, against the real engine, the training image and a trained model.

Each was accepted (exit 0) before verify read the tar headers first, required the signer to be
the key keyname-to-fingerprint.json names, and refused a trusted-keys folder others can write.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import TEST_IMAGE_TAG
from tests.integration.verify_checks import (
    Zeros,
    assert_no_verifier_left,
    assert_one_line,
    digest,
    repack,
    snapshot,
    victim_lab,
)
from tests.second_user import SecondUser, run_as, second_user
from tui.errors import LabError
from tui.lab.keys import PUBLIC_KEY_FILE, load_keys
from tui.lab.verify import Verdict, verify_tarball
from tui.paths import LabPaths

pytestmark = [pytest.mark.slow, pytest.mark.bad_input]
GIB = 1024**3


def _verify(client: docker.DockerClient, path: Path, lab: LabPaths) -> Verdict:
    return verify_tarball(client, path, lab, image=TEST_IMAGE_TAG, labels=LABELS)


def _refused(
    client: docker.DockerClient, path: Path, lab: LabPaths, original: Path, *fragments: str
) -> str:
    """Verify `path`: refused, in one line naming `fragments`, with nothing lost or left."""
    before_digest, before_models = digest(original), snapshot(lab.models)
    verdict = _verify(client, path, lab)
    assert not verdict.ok, verdict.details
    assert_one_line(verdict.reason)
    for fragment in fragments:
        assert fragment in verdict.reason, verdict.reason
    assert digest(original) == before_digest, "verification changed the original"
    assert snapshot(lab.models) == before_models, "verification wrote into models/"
    assert_no_verifier_left(client)
    return verdict.reason


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    return info


def test_an_extra_py_member_is_refused_by_name(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    tmp_path: Path,
    bad_input: Callable[[str], None],
) -> None:
    code = b"import os\nos.system('id')\n"
    path = repack(
        model_tarball, tmp_path / "extra.tar.gz", [(_info("evil.py", len(code)), io.BytesIO(code))]
    )
    _refused(docker_client, path, lab, model_tarball, "does not cover", "evil.py")
    bad_input("signed tarball with an extra .py member")


def test_a_gzip_of_zeros_member_of_1_5_gib_is_refused_by_the_cap(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    tmp_path: Path,
    bad_input: Callable[[str], None],
) -> None:
    path = repack(
        model_tarball, tmp_path / "zeros.tar.gz", [(_info("zeros.bin", 3 * GIB // 2), Zeros())]
    )
    assert path.stat().st_size < 8 * 1024**2, "the bomb should be small on disk"
    _refused(docker_client, path, lab, model_tarball, "zeros.bin", "cap", "without unpacking")
    bad_input("signed tarball with a 1.5 GiB member of zeros (gzip)")


def test_a_sparse_member_of_1_5_gib_is_refused_by_the_cap(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    tmp_path: Path,
    bad_input: Callable[[str], None],
) -> None:
    unpacked = tmp_path / "unpacked"
    with tarfile.open(model_tarball, "r:gz") as archive:
        archive.extractall(unpacked, filter="data")
    (folder,) = [p.name for p in unpacked.iterdir()]
    with (unpacked / folder / "sparse.bin").open("wb") as handle:
        handle.truncate(3 * GIB // 2)
    path = tmp_path / "sparse.tar.gz"
    subprocess.run(
        ["tar", "--sparse", "--format=gnu", "-czf", str(path), "-C", str(unpacked), folder],
        check=True,
    )
    assert path.stat().st_size < 2 * 1024**2
    _refused(
        docker_client,
        path,
        lab,
        model_tarball,
        "sparse.bin",
        "unpacks to 1536 MiB",
        "without unpacking",
    )
    bad_input("signed tarball with a sparse 1.5 GiB member (GNU tar)")


@pytest.fixture()
def victim_dir() -> Iterator[Path]:
    """A folder outside pytest's private tmp, so a second user can reach what it is given."""
    folder = Path(tempfile.mkdtemp(prefix="container-lab-victim-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _append_foreign_key(other: LabPaths, trusted: Path, *, as_user: SecondUser | None) -> str:
    """Append the foreign public key and a full-trust line; return the foreign fingerprint."""
    fingerprint = load_keys(other).fingerprint
    public = trusted.parent / "foreign.pub.asc"
    shutil.copyfile(other.trusted_keys / PUBLIC_KEY_FILE, public)
    public.chmod(0o644)
    script = (
        f"cat {public} >> {trusted / PUBLIC_KEY_FILE} && "
        f"echo {fingerprint}:6: >> {trusted / 'trustdb.txt'}"
    )
    if as_user is None:
        subprocess.run(["sh", "-c", script], check=True)
    else:
        result = run_as(as_user, ["sh", "-c", script])
        assert result.returncode == 0, f"the attacker could not write: {result.stderr}"
    return fingerprint


def _give_folder(trusted: Path, user: SecondUser) -> None:
    for entry in (trusted, *trusted.iterdir()):
        os.chown(entry, user.uid, user.gid)


def _open_files(trusted: Path, user: SecondUser) -> None:
    for entry in trusted.iterdir():
        entry.chmod(0o666)


@pytest.mark.parametrize(
    ("how", "fragment"),
    [
        ("folder owned by the attacker", "belongs to uid"),
        ("key files writable by all", "group or others can write it"),
    ],
)
def test_a_trusted_keys_folder_an_attacker_could_write_is_refused(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    foreign: tuple[LabPaths, Path],
    victim_dir: Path,
    bad_input: Callable[[str], None],
    how: str,
    fragment: str,
) -> None:
    other, foreign_model = foreign
    victim = victim_lab(victim_dir / "project", lab)
    with second_user() as attacker:
        (_give_folder if how.startswith("folder") else _open_files)(victim.trusted_keys, attacker)
        _append_foreign_key(other, victim.trusted_keys, as_user=attacker)
        with pytest.raises(LabError) as caught:
            _verify(docker_client, foreign_model, victim)
    message = str(caught.value)
    assert_one_line(message)
    assert "refusing to trust" in message and fragment in message, message
    assert str(victim.trusted_keys) in message
    assert_no_verifier_left(docker_client)
    assert not any(victim.models.iterdir())
    bad_input(f"foreign key appended by a second uid: {how}")


def test_a_foreign_key_appended_by_root_is_refused_by_fingerprint(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    foreign: tuple[LabPaths, Path],
    victim_dir: Path,
    bad_input: Callable[[str], None],
) -> None:
    other, foreign_model = foreign
    victim = victim_lab(victim_dir / "project", lab)
    fingerprint = _append_foreign_key(other, victim.trusted_keys, as_user=None)
    # The control: the lab's own model still verifies with the doctored folder.
    good = _verify(docker_client, model_tarball, victim)
    assert good.ok, good.reason
    assert good.details["signer"]["fingerprint"] == load_keys(lab).fingerprint
    reason = _refused(
        docker_client, foreign_model, victim, foreign_model, fingerprint[-16:], "does not name"
    )
    assert "Container Lab demo signing key" in reason, "the refusal names the signer"
    bad_input("model signed by a foreign key appended (with trust) to the trusted keys")
