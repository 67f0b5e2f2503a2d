"""A second, unprivileged account for attack tests: made by the test, removed after it.

The attacker of the security tests is a real uid on this machine with no Docker access and no
home folder. `second_user()` creates it with `useradd` (so it needs root, as CI runs) and
`userdel`s it afterwards; `run_as` runs a command as that uid with no supplementary groups.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

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
    command = [
        "setpriv",
        f"--reuid={user.uid}",
        f"--regid={user.gid}",
        "--clear-groups",
        "--",
        *argv,
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )  # type: ignore[call-overload]
