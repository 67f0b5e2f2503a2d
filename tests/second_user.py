"""A second, unprivileged account for attack tests: made by the test, removed after it.

The attacker of the security tests is a real uid on this machine with no Docker access and no
home folder. `second_user()` creates it with `useradd` (so it needs root, as CI runs) and
`userdel`s it afterwards; `run_as` runs a command as that uid with no supplementary groups.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class SecondUser:
    """The attacker's account."""

    name: str
    uid: int
    gid: int


@contextmanager
def second_user() -> Iterator[SecondUser]:
    """Create a throwaway system account (no home, no login shell) and remove it afterwards."""
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.fail("attack tests need root and useradd to create a second account")
    name = f"cl-att-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
    )
    try:
        ids = subprocess.run(["id", "-u", name], check=True, capture_output=True, text=True)
        gid = subprocess.run(["id", "-g", name], check=True, capture_output=True, text=True)
        yield SecondUser(name, int(ids.stdout), int(gid.stdout))
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True)


def run_as(
    user: SecondUser, argv: Sequence[str], *, timeout: float = 120.0, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Run `argv` as `user` (its uid and gid only, no supplementary groups), capturing text."""
    return subprocess.run(
        as_user(user, argv), capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )  # type: ignore[call-overload]


def as_user(user: SecondUser, argv: Sequence[str]) -> list[str]:
    """The command line that runs `argv` as `user` (for a process the test keeps running)."""
    return ["setpriv", f"--reuid={user.uid}", f"--regid={user.gid}", "--clear-groups", "--", *argv]


@contextmanager
def reachable_folder(prefix: str = "container-lab-shared-") -> Iterator[Path]:
    """A folder (755) outside pytest's own tmp, whose parents a second user can pass through.

    pytest's basetemp is private to its user (700), so an attack staged under `tmp_path` could
    never reach its target and the test could not fail.
    """
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
