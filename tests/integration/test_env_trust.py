""".env decides who the training container runs as, and so who gets the run's copy of the key.

Issue 21 item 3: under umask 000 `keys init` wrote .env 0666; a second account set USER_ID to
itself, read the key copy through /proc/<pid>/root/run/secrets/ while root's next `train` ran,
and could sign anything. The attacker here is a real second uid (tests/second_user.py); the
training runs on the real engine, and the thief polls /proc as that uid the whole time.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import docker
import pytest

from tests.conftest import session_tag
from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import copy_lab
from tests.integration.verify_checks import assert_one_line
from tests.second_user import SecondUser, as_user, reachable_folder, run_as, second_user
from tui.engine.build import BuildResult
from tui.errors import LabError
from tui.lab.identity import LabIdentity, load_identity
from tui.lab.run import RunOutcome, TrainingRun, describe_failure
from tui.lab.run_secrets import runs_dir
from tui.paths import LabPaths

pytestmark = pytest.mark.slow

# Runs as the second account for as long as the training runs: every process's root, as /proc
# shows it to that uid, searched for the mounted key copy.
STEAL = """
while :; do
  for key in /proc/[0-9]*/root/run/secrets/signing_key; do
    cat "$key" 2>/dev/null && exit 0
  done
  sleep 0.05
done
"""


@pytest.fixture()
def attacker() -> Iterator[SecondUser]:
    """A throwaway account, made and removed by the test."""
    with second_user() as user:
        yield user


@pytest.fixture()
def umask_000_lab() -> Iterator[LabPaths]:
    """A lab made by root under umask 000 in a folder every account can reach."""
    if os.geteuid() != 0:
        pytest.fail("these tests need root (as CI runs them)")
    with reachable_folder() as shared:
        old = os.umask(0)
        try:
            lab = copy_lab(shared / "lab")  # keys init writes .env here
        finally:
            os.umask(old)
        yield lab


@contextmanager
def key_thief(user: SecondUser) -> Iterator[list[str]]:
    """The second account looking for the key through /proc; what it read, once done."""
    stolen: list[str] = []
    thief = subprocess.Popen(
        as_user(user, ["sh", "-c", STEAL]),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield stolen
    finally:
        thief.kill()
        stolen.append(thief.communicate()[0])


def _name_itself(lab: LabPaths, user: SecondUser, *, replace: bool) -> subprocess.CompletedProcess:
    """The second account writes USER_ID/GROUP_ID = its own ids into .env."""
    ids = f"USER_ID={user.uid}\\nGROUP_ID={user.gid}\\n"
    remove = f"rm -f '{lab.env_file}' && " if replace else ""
    return run_as(user, ["sh", "-c", f"{remove}printf '{ids}' > '{lab.env_file}'"])


def test_a_second_account_cannot_name_itself_and_take_the_key(
    docker_client: docker.DockerClient,
    training_image: BuildResult,
    umask_000_lab: LabPaths,
    attacker: SecondUser,
) -> None:
    lab = umask_000_lab
    env_mode = stat.S_IMODE(lab.env_file.stat().st_mode)
    rewrite = _name_itself(lab, attacker, replace=False)
    with key_thief(attacker) as stolen:
        refused = _refusal(lambda: _train(docker_client, lab, "-envtrust"))
        lab.project.chmod(0o755)  # what the refusal says to do
        outcome = _train(docker_client, lab, "-envtrust")
    assert "PRIVATE KEY" not in stolen[0], "the second account read the key copy through /proc"
    assert env_mode == 0o644, f".env was written {env_mode:04o} under umask 000"
    assert rewrite.returncode != 0, "the second account rewrote .env"
    assert load_identity(lab.env_file).uid != attacker.uid
    # Under umask 000 the project folder itself is 777: whoever can write it could swap .lab,
    # .env or the Dockerfile, so the lab refuses it until it is fixed; then it trains.
    assert "others can write it (mode 0777)" in refused and str(lab.project) in refused, refused
    assert outcome.exit_code == 0 and outcome.tarball is not None, describe_failure(outcome)
    assert not list(runs_dir(lab).iterdir())


def _train(client: docker.DockerClient, lab: LabPaths, suffix: str) -> RunOutcome:
    return TrainingRun(client, lab, image=session_tag(suffix), labels=LABELS).run()


def _refusal(run: Callable[[], object]) -> str:
    """The one line a refused run gave ('' when it was not refused)."""
    try:
        run()
    except LabError as exc:
        return str(exc)
    return ""


def _replaced_by_attacker(lab: LabPaths, user: SecondUser) -> None:
    result = _name_itself(lab, user, replace=True)  # the project folder is 777 under umask 000
    assert result.returncode == 0, result.stderr
    assert lab.env_file.stat().st_uid == user.uid


def _opened_to_all(lab: LabPaths, user: SecondUser) -> None:
    lab.env_file.chmod(0o666)
    result = _name_itself(lab, user, replace=False)
    assert result.returncode == 0, result.stderr


def _root_names_the_account(lab: LabPaths, user: SecondUser) -> None:
    lab.env_file.write_text(f"USER_ID={user.uid}\nGROUP_ID={user.gid}\n")


def _arabic_indic_digits(lab: LabPaths, user: SecondUser) -> None:
    lab.env_file.write_text("USER_ID=\u0663\u0663\nGROUP_ID=\u0663\u0663\n")  # 33: www-data


REFUSED: dict[str, tuple[Callable[[LabPaths, SecondUser], None], str]] = {
    ".env replaced by another account": (_replaced_by_attacker, "belongs to uid"),
    ".env others can write": (_opened_to_all, "group or others can write it"),
    "USER_ID another existing account": (_root_names_the_account, "--user-id"),
    "USER_ID in Arabic-Indic digits": (_arabic_indic_digits, "ASCII digits"),
}


@pytest.mark.bad_input
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_an_env_another_account_could_have_written_is_refused_before_any_build(
    docker_client: docker.DockerClient,
    umask_000_lab: LabPaths,
    attacker: SecondUser,
    bad_input: Callable[[str], None],
    case: str,
) -> None:
    lab = umask_000_lab
    # As the lab asks of a 777 project folder: not writable by others; here the second
    # account's group may write it (a shared class folder), so it can replace .env.
    os.chown(lab.project, 0, attacker.gid)
    lab.project.chmod(0o775)
    breaker, fragment = REFUSED[case]
    breaker(lab, attacker)
    tag = session_tag("-envtrust-refused")
    with key_thief(attacker) as stolen, pytest.raises(LabError) as caught:
        TrainingRun(docker_client, lab, image=tag, labels=LABELS).run()
    message = str(caught.value)
    assert_one_line(message)
    assert fragment in message and str(lab.env_file) in message, message
    assert "PRIVATE KEY" not in stolen[0]
    assert not docker_client.images.list(name=tag), "refused only after a build"
    assert not lab.models.exists() or not any(lab.models.iterdir())
    bad_input(f"env file: {case}")


def test_an_existing_account_named_with_user_id_is_honoured(
    umask_000_lab: LabPaths, attacker: SecondUser
) -> None:
    """The account the admin names explicitly (`--user-id`) is theirs to choose."""
    from tui.lab.run_setup import prepare_run

    _root_names_the_account(umask_000_lab, attacker)
    umask_000_lab.project.chmod(0o755)
    chosen = LabIdentity(attacker.uid, attacker.gid)
    old = os.umask(0)
    try:
        _, identity = prepare_run(umask_000_lab, chosen)
    finally:
        os.umask(old)
    assert identity == chosen
    owner = umask_000_lab.models.stat()
    assert (owner.st_uid, stat.S_IMODE(owner.st_mode)) == (attacker.uid, 0o755)


def test_files_the_lab_writes_ignore_the_umask(umask_000_lab: LabPaths) -> None:
    lab = umask_000_lab
    expected = {
        lab.env_file: 0o644,
        lab.lab: 0o700,
        lab.keys: 0o700,
        lab.trusted_keys: 0o755,
        **{entry: 0o644 for entry in lab.trusted_keys.iterdir()},
        **{entry: 0o600 for entry in lab.keys.iterdir()},
    }
    found = {path: stat.S_IMODE(path.lstat().st_mode) for path in expected}
    assert found == expected
    assert all(Path(path).lstat().st_uid == 0 for path in expected)
