"""Keys and identities against another account on the same machine (issue 12).

Run as root with no SUDO_UID in a root-owned copy of the lab, the case where the lab used to fall
back to uid 1000 (an unrelated, existing account here) and hand it the keys. The attackers are a
throwaway account (tests/second_user.py) and whoever would hold the container's uid on the host.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import session_tag
from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import copy_lab
from tests.second_user import SecondUser, reachable_folder, run_as, second_user
from tui.errors import LabError
from tui.lab.identity import LabIdentity, ensure_identity, free_identity, load_identity
from tui.lab.keys import load_keys
from tui.lab.run import RunOutcome, TrainingRun, describe_failure
from tui.lab.run_secrets import run_secrets, runs_dir
from tui.lab.verify import verify_tarball
from tui.paths import LabPaths

pytestmark = pytest.mark.slow


@pytest.fixture()
def root_lab(monkeypatch: pytest.MonkeyPatch) -> Iterator[LabPaths]:
    """A root-owned copy of the lab, made by root with no sudo caller to fall back to.

    It lies in a folder other accounts can pass through (not pytest's private tmp), so what they
    are refused is refused by the lab's own modes.
    """
    if os.geteuid() != 0:
        pytest.fail("these tests need root (as CI runs them)")
    monkeypatch.delenv("SUDO_UID", raising=False)
    monkeypatch.delenv("SUDO_GID", raising=False)
    with reachable_folder() as shared:
        project = shared / "lab"
        project.mkdir()
        assert project.stat().st_uid == 0
        yield copy_lab(project)


@pytest.fixture()
def attacker() -> Iterator[SecondUser]:
    """A throwaway account, made and removed by the test."""
    with second_user() as user:
        yield user


def known_ids() -> set[int]:
    """Every uid and gid this machine's accounts and groups have."""
    return {entry.pw_uid for entry in pwd.getpwall()} | {entry.gr_gid for entry in grp.getgrall()}


def train(client: docker.DockerClient, lab: LabPaths, tag: str, **kwargs: object) -> RunOutcome:
    """One SDK training run into `lab`, with an image tag of the test's own."""
    outcome = TrainingRun(client, lab, image=tag, labels=LABELS, **kwargs).run()  # type: ignore[arg-type]
    assert outcome.exit_code == 0 and outcome.tarball is not None, describe_failure(outcome)
    return outcome


def test_root_without_sudo_never_picks_an_existing_account(
    root_lab: LabPaths, tmp_path: Path, attacker: SecondUser
) -> None:
    """An unused id for a root-owned folder; the owner's ids for a folder someone else owns."""
    identity = load_identity(root_lab.env_file)
    assert identity.uid != 0 and identity.gid != 0
    with pytest.raises(KeyError):
        pwd.getpwuid(identity.uid)
    assert ensure_identity(root_lab.env_file) == identity
    owned = tmp_path / "owned"
    owned.mkdir()
    os.chown(owned, attacker.uid, attacker.gid)
    mine = ensure_identity(owned / ".env")
    assert (mine.uid, mine.gid) == (attacker.uid, attacker.gid)


def test_another_account_cannot_read_the_keys_or_plant_a_trusted_key(
    docker_client: docker.DockerClient, root_lab: LabPaths, attacker: SecondUser
) -> None:
    identity = load_identity(root_lab.env_file)
    outcome = train(docker_client, root_lab, session_tag("-custody"))
    # The run signed, so the container read its copy of the key; the copy is gone afterwards.
    assert outcome.tarball is not None, outcome
    verdict = verify_tarball(
        docker_client, outcome.tarball, root_lab, image=session_tag("-custody"), labels=LABELS
    )
    assert verdict.ok, verdict.reason
    assert not list(runs_dir(root_lab).iterdir())
    keys = load_keys(root_lab)
    for private in (keys.secret_key, keys.passphrase):
        info = private.stat()
        assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (os.geteuid(), 0o600)
    assert stat.S_IMODE(root_lab.keys.stat().st_mode) == 0o700
    container_uid = SecondUser("container-uid", identity.uid, identity.gid)
    trusted = root_lab.trusted_keys
    for who in (attacker, container_uid):
        for private in (keys.secret_key, keys.passphrase):
            denied = run_as(who, ["cat", str(private)])
            assert denied.returncode != 0 and not denied.stdout, (who, private)
        for public in trusted.iterdir():
            append = run_as(who, ["sh", "-c", f"echo x >> '{public}'"])
            assert append.returncode != 0, (who, public)
        for folder in (root_lab.keys, trusted, root_lab.lab):
            create = run_as(who, ["sh", "-c", f"echo x > '{folder}/planted'"])
            assert create.returncode != 0 and not (folder / "planted").exists(), (who, folder)
    assert "x\n" not in (trusted / "trustdb.txt").read_text()
    # The container's uid still reads the trusted keys through the bind mount.
    listing = docker_client.containers.run(
        session_tag("-custody"),
        entrypoint=["cat", "/trusted-keys/trustdb.txt"],
        user=identity.user,
        volumes={str(trusted): {"bind": "/trusted-keys", "mode": "ro"}},
        network_mode="none",
        labels=LABELS,
        remove=True,
    )
    assert keys.fingerprint in listing.decode()


def test_user_id_is_honoured(docker_client: docker.DockerClient, root_lab: LabPaths) -> None:
    ids = (n for n in range(free_identity().uid + 1, 60000) if n not in known_ids())
    number = next(ids)  # an unused id other than the .env one
    chosen = LabIdentity(number, number)
    assert load_identity(root_lab.env_file) != chosen
    outcome = train(docker_client, root_lab, session_tag("-userid"), identity=chosen)
    assert outcome.tarball is not None
    owner = outcome.tarball.stat()
    assert (owner.st_uid, owner.st_gid) == (chosen.uid, chosen.gid)
    assert (root_lab.models.stat().st_uid, root_lab.models.stat().st_gid) == (
        chosen.uid,
        chosen.gid,
    )
    assert load_keys(root_lab).secret_key.stat().st_uid == os.geteuid()


def test_a_planted_runs_folder_is_refused(root_lab: LabPaths, tmp_path: Path) -> None:
    """A `.lab/run` someone else made (or a link to their folder) never receives a key copy."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    runs_dir(root_lab).symlink_to(elsewhere)
    identity = load_identity(root_lab.env_file)
    copy = run_secrets(root_lab, load_keys(root_lab), identity)
    with pytest.raises(LabError, match="not a folder of yours"), copy:
        pass
    assert not list(elsewhere.iterdir())


def test_a_run_copy_is_the_container_uids_alone_and_goes_away(root_lab: LabPaths) -> None:
    """The copy: 700 folder, 400 files, owned by the container's uid; a killed run's is swept."""
    left = runs_dir(root_lab) / "left-by-a-killed-run"
    left.mkdir(parents=True)
    os.utime(left, (0, 0))
    identity = load_identity(root_lab.env_file)
    with run_secrets(root_lab, load_keys(root_lab), identity) as copy:
        assert not left.exists()
        for path, mode in (
            (copy.folder, 0o700),
            (copy.secret_key, 0o400),
            (copy.passphrase, 0o400),
        ):
            info = path.stat()
            assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (
                identity.uid,
                identity.gid,
                mode,
            )
        assert copy.secret_key.read_bytes() == load_keys(root_lab).secret_key.read_bytes()
    assert not copy.folder.exists()
    assert stat.S_IMODE(runs_dir(root_lab).stat().st_mode) == 0o700
