"""A run's copy of the signing key, readable by the container's uid and nobody else.

The key in .lab/keys stays the runner's (mode 600). For each run, key and passphrase are copied
into a fresh .lab/run/<random>/ (mode 700, files 400) given to the container's uid, bind-mounted
read-only at /run/secrets/, and deleted when the run ends. .lab/ itself stays 700 and the
runner's: a bind mount is resolved by the engine, so the container's uid needs no way through the
host's parent folders, and no other account on the host has one. The run also gets its own
snapshot of the checked trusted keys (tui.lab.trusted_dir), mounted instead of the live folder.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tui.errors import LabError
from tui.lab.identity import LabIdentity, hand_over
from tui.lab.keys import PASSPHRASE_FILE, SECRET_KEY_FILE, LabKeys
from tui.lab.trusted_dir import private_snapshot, read_trusted_keys
from tui.paths import LabPaths

STALE_SECONDS = 24 * 3600  # no run holds its copy this long


@dataclass(frozen=True)
class RunSecrets:
    """One run's copy of the key and passphrase (what /run/secrets/ gets)."""

    folder: Path
    trusted_keys: Path  # the run's snapshot of the checked trusted keys, for /trusted-keys

    @property
    def secret_key(self) -> Path:
        """Mounted at /run/secrets/signing_key."""
        return self.folder / SECRET_KEY_FILE

    @property
    def passphrase(self) -> Path:
        """Mounted at /run/secrets/signing_passphrase."""
        return self.folder / PASSPHRASE_FILE


def runs_dir(paths: LabPaths) -> Path:
    """`.lab/run/`: where the runs' copies live while they run."""
    return paths.lab / "run"


def check_handable(identity: LabIdentity) -> None:
    """Refuse, before any build, a container uid the caller cannot give a copy of the key to."""
    if os.geteuid() != 0 and identity.uid != os.geteuid():
        raise LabError(
            f"the container would run as uid {identity.uid}, not as you ({os.geteuid()}): "
            "only root can hand it the signing key; fix USER_ID in .env or drop --user-id."
        )


@contextmanager
def run_secrets(paths: LabPaths, keys: LabKeys, identity: LabIdentity) -> Iterator[RunSecrets]:
    """Copy key and passphrase (and snapshot the trusted keys) for the container's uid; remove
    both afterwards."""
    check_handable(identity)
    trusted = read_trusted_keys(paths)
    parent = runs_dir(paths)
    parent.mkdir(mode=0o700, exist_ok=True)
    info = parent.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
        raise LabError(
            f"{parent} is not a folder of yours (owner uid {info.st_uid}): remove it and retry."
        )
    parent.chmod(0o700)
    for stale in parent.iterdir():  # copies a killed run could not remove
        if time.time() - stale.lstat().st_mtime > STALE_SECONDS:
            shutil.rmtree(stale, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix="", dir=parent))  # 700, a name nobody can guess
    try:
        for source in (keys.secret_key, keys.passphrase):
            target = folder / source.name
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            with os.fdopen(os.open(target, flags, 0o400), "wb") as handle:
                handle.write(source.read_bytes())
            hand_over(target, identity)
        hand_over(folder, identity)
        with private_snapshot(trusted, identity) as snapshot:
            yield RunSecrets(folder, snapshot)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
