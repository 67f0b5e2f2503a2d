"""What `verify` does with the file it is given, against a real second account (issue 21 #8).

Before, verify followed a symlinked input and copied its target into a world-readable
/tmp/container-lab-verify-*/: another account read a root-only file that way. And a 2 GiB
sparse file became 2 GiB of real data in /tmp. An attacker's shell loop, running as the second
uid, tries to read every file under /tmp/container-lab-verify-* while verify runs; a canary
folder of the same name that it can read shows the loop works.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import docker
import pytest
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import TEST_IMAGE_TAG
from tests.integration.verify_checks import assert_no_verifier_left, assert_one_line
from tests.second_user import SecondUser, second_user
from tui.errors import LabError
from tui.lab.container_spec import ROLE_LABEL
from tui.lab.verify import Verdict, verify_tarball
from tui.lifetime import HOLDS
from tui.paths import LabPaths

pytestmark = [pytest.mark.slow, pytest.mark.bad_input]
GIB = 1024**3
READER = r"""
while :; do
  for f in {tmp}/container-lab-verify-*/* {tmp}/container-lab-verify-*/*/*; do
    [ -f "$f" ] && head -c 16 "$f" >/dev/null 2>&1 && echo "READ $f"
  done
  sleep 0.05
done
"""


def _as(user: SecondUser) -> list[str]:
    return ["setpriv", f"--reuid={user.uid}", f"--regid={user.gid}", "--clear-groups", "--"]


def _verify(client: docker.DockerClient, path: Path, lab: LabPaths) -> Verdict:
    return verify_tarball(client, path, lab, image=TEST_IMAGE_TAG, labels=LABELS)


@pytest.fixture()
def verify_tmp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary folder others can enter, like /tmp, that only this test's verify uses (other
    sessions on the machine verify too)."""
    folder = Path(tempfile.mkdtemp(prefix="container-lab-test-tmp-"))
    folder.chmod(0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def attacker_reading_copies(user: SecondUser, tmp: Path) -> Iterator[list[str]]:
    """The second uid reading whatever it can under TMP/container-lab-verify-*; the files it
    read (the canary aside) are in the list once the block ends."""
    canary_dir = Path(tempfile.mkdtemp(prefix="container-lab-verify-canary-", dir=tmp))
    canary_dir.chmod(0o755)
    canary = canary_dir / "canary"
    canary.write_text("readable on purpose\n")
    canary.chmod(0o644)
    loop = subprocess.Popen(
        [*_as(user), "sh", "-c", READER.format(tmp=tmp)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    read: list[str] = []
    try:
        assert loop.stdout is not None
        first = loop.stdout.readline()  # the loop runs: it has read the canary
        assert first.strip() == f"READ {canary}", first
        yield read
    finally:
        loop.kill()
        out, _ = loop.communicate(timeout=60)
        lines = {line[5:] for line in out.splitlines() if line.startswith("READ ")}
        read.extend(sorted(lines - {str(canary)}))
        shutil.rmtree(canary_dir, ignore_errors=True)


@pytest.fixture()
def root_only(tmp_path: Path, model_tarball: Path) -> Path:
    """The genuine model, as a file only root can read, in a folder only root can enter."""
    folder = tmp_path / "root-only"
    folder.mkdir(mode=0o700)
    secret = folder / model_tarball.name
    shutil.copyfile(model_tarball, secret)
    secret.chmod(0o600)
    return secret


def test_a_symlinked_input_is_refused_and_nothing_is_copied(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    root_only: Path,
    verify_tmp: Path,
    bad_input: Callable[[str], None],
) -> None:
    shared = Path(tempfile.mkdtemp(prefix="container-lab-shared-"))
    shared.chmod(0o1777)
    try:
        with second_user() as attacker:
            planted = shared / "model.tar.gz"
            result = subprocess.run(
                [*_as(attacker), "ln", "-s", str(root_only), str(planted)],
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            with (
                attacker_reading_copies(attacker, verify_tmp) as read,
                pytest.raises(LabError) as caught,
            ):
                _verify(docker_client, planted, lab)
        assert not read, f"the second uid read {read}"
        message = str(caught.value)
        assert_one_line(message)
        assert "is a symbolic link" in message and "give the model file itself" in message
        assert_no_verifier_left(docker_client)
    finally:
        shutil.rmtree(shared, ignore_errors=True)
    bad_input("verify input: a symlink another account planted")


def test_a_root_only_model_is_copied_where_only_the_container_uid_reads_it(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    root_only: Path,
    verify_tmp: Path,
) -> None:
    with second_user() as attacker, attacker_reading_copies(attacker, verify_tmp) as read:
        verdict = _verify(docker_client, root_only, lab)
    assert verdict.ok, verdict.reason
    assert not read, f"the second uid read {read}"
    assert_no_verifier_left(docker_client)


class _Created(FileSystemEventHandler):
    def __init__(self) -> None:
        self.paths: list[str] = []

    def on_created(self, event: FileSystemEvent) -> None:
        self.paths.append(str(event.src_path))


def test_a_2_gib_sparse_file_is_refused_without_a_copy(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bad_input: Callable[[str], None],
) -> None:
    sparse = tmp_path / "sparse.tar.gz"
    with sparse.open("wb") as handle:
        handle.write(b"\x1f\x8b\x08\x00")  # a gzip header's start: only the size gives it away
        handle.truncate(2 * GIB)
    assert os.stat(sparse).st_blocks * 512 < 1024**2
    watched = tmp_path / "tmp"
    watched.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(watched))
    created = _Created()
    observer = Observer()
    observer.schedule(created, str(watched), recursive=True)
    observer.start()
    try:
        verdict = _verify(docker_client, sparse, lab)
    finally:
        observer.stop()
        observer.join(timeout=30)
    assert not verdict.ok
    assert_one_line(verdict.reason)
    assert "2048 MiB, over the 256 MiB cap" in verdict.reason, verdict.reason
    assert not created.paths, f"verify wrote {created.paths}"
    assert not any(watched.iterdir())
    assert_no_verifier_left(docker_client)
    bad_input("verify input: 2 GiB sparse file")


@pytest.mark.fault
def test_a_verify_under_way_is_stopped_with_the_process_and_leaves_nothing(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    verify_tmp: Path,
) -> None:
    # Failed before (the endings loop of two CI runs): a dashboard ended while it verified its
    # new model left the verifier container and the trusted-keys snapshot, as the verify held
    # nothing for the ending to stop. The verifier is paused (really, by the engine) so that
    # it is still under way when the ending stops what the process holds.
    outcome: list[object] = []

    def verify() -> None:
        try:
            outcome.append(_verify(docker_client, model_tarball, lab))
        except LabError as exc:
            outcome.append(exc)

    mine = {"label": [f"{key}={value}" for key, value in LABELS.items()] + [f"{ROLE_LABEL}=verify"]}
    worker = threading.Thread(target=verify, daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 120
        while not (
            made := docker_client.containers.list(ignore_removed=True, all=True, filters=mine)
        ):
            assert time.monotonic() < deadline and worker.is_alive(), outcome
            time.sleep(0.02)
        verifier = made[0]
        while verifier.status == "created":  # started, then paused before it can finish
            time.sleep(0.02)
            verifier.reload()
        verifier.pause()
        assert HOLDS.stop_all(4.5), "the verify was not stopped in time"
        worker.join(60)
        assert not worker.is_alive()
        assert len(outcome) == 1 and isinstance(outcome[0], LabError), outcome
        assert_one_line(str(outcome[0]))
        assert_no_verifier_left(docker_client)
        assert not list(verify_tmp.glob("container-lab-*")), "a snapshot or copy was left"
    finally:
        for container in docker_client.containers.list(ignore_removed=True, all=True, filters=mine):
            container.remove(force=True)
        worker.join(60)
