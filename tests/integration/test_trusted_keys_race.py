"""Trusted keys swapped between their check and the verifier's mount (issue 21 item 4).

The victim's project folder is writable by a second account's group (a shared class folder, say).
That account cannot touch the lab's own .lab (root's, 711), but it can rename it: a process of its
own keeps swapping .lab for a .lab of its own whose trusted-keys trust a foreign key under the
lab's key name, while root verifies a model that foreign key signed, many times. A check by path
followed by a mount of the path lost that race: the foreign model "verified … trusted as
container-lab.pub.asc".
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import TEST_IMAGE_TAG
from tests.integration.verify_checks import assert_no_verifier_left, victim_lab
from tests.second_user import SecondUser, as_user, reachable_folder, second_user
from tui.errors import LabError
from tui.lab.verify import Verdict, verify_tarball
from tui.paths import LabPaths

pytestmark = [pytest.mark.slow, pytest.mark.bad_input]
VERIFIES = 40
# Runs as the second account, in the project folder, until killed. Debian's own python3: the
# test's interpreter may live where that account cannot go.
SWAP = """
import os, sys, time
os.chdir(sys.argv[1])
while True:
    os.rename(".lab", ".lab-real"); os.rename(".lab-evil", ".lab")
    time.sleep(0.003)
    os.rename(".lab", ".lab-evil"); os.rename(".lab-real", ".lab")
    time.sleep(0.003)
"""


def _evil_lab(project: Path, other: LabPaths, user: SecondUser) -> None:
    """The second account's .lab: the foreign lab's trusted keys, under the same names, and a
    link to the lab's own private keys (where they are while this .lab stands in for the real
    one), so that every check of the private keys passes whichever .lab it meets."""
    evil = project / ".lab-evil"
    shutil.copytree(other.trusted_keys, evil / "trusted-keys")
    (evil / "keys").symlink_to("../.lab-real/keys")
    for entry in (evil, *evil.rglob("*")):
        os.chown(entry, user.uid, user.gid, follow_symlinks=False)


def _put_back(project: Path) -> None:
    """Whatever moment the swapper was killed at, .lab is the lab's own again."""
    if (project / ".lab-real").exists():
        if (project / ".lab").exists():
            (project / ".lab").rename(project / ".lab-evil")
        (project / ".lab-real").rename(project / ".lab")


def test_swapping_the_trusted_keys_during_verifies_never_verifies_a_foreign_model(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    foreign: tuple[LabPaths, Path],
    bad_input: Callable[[str], None],
) -> None:
    other, foreign_model = foreign
    verdicts: list[Verdict] = []
    refusals: list[str] = []
    with second_user() as attacker, reachable_folder() as shared:
        victim = victim_lab(shared / "project", lab)
        os.chown(victim.project, 0, attacker.gid)
        victim.project.chmod(0o775)  # the second account's group may write the project folder
        _evil_lab(victim.project, other, attacker)
        swapper = subprocess.Popen(
            as_user(attacker, ["/usr/bin/python3", "-c", SWAP, str(victim.project)]),
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            for _ in range(VERIFIES):
                try:
                    verdicts.append(
                        verify_tarball(
                            docker_client,
                            foreign_model,
                            victim,
                            image=TEST_IMAGE_TAG,
                            labels=LABELS,
                        )
                    )
                except LabError as exc:
                    refusals.append(str(exc))
            assert swapper.poll() is None, f"the swapper stopped: {swapper.stderr}"
        finally:
            swapper.kill()
            swapper.wait()
            _put_back(victim.project)
    accepted = [verdict.details.get("signer") for verdict in verdicts if verdict.ok]
    seen = Counter(reason[:50] for reason in refusals) + Counter(v.reason[:50] for v in verdicts)
    assert not accepted, f"{len(accepted)} of {VERIFIES} verifies trusted the foreign key: {seen}"
    assert verdicts, f"no verify got past the check, the race never ran: {seen}"
    print(f"{VERIFIES} verifies under the swap: {dict(seen)}")
    assert all("\n" not in reason for reason in refusals)
    assert_no_verifier_left(docker_client)
    bad_input("trusted keys swapped for a foreign folder between check and mount")
