"""Who the lab's files belong to: USER_ID and GROUP_ID, kept in the project's .env.

The container never runs as root. When the caller is not root, the ids are the caller's; when the
caller is root (sudo, CI), they are $SUDO_UID/$SUDO_GID, else the project folder's owner, else
1000, and the lab hands its folders to that user.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from tui.errors import LabError

FALLBACK_ID = 1000
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


@dataclass(frozen=True)
class LabIdentity:
    """The uid and gid the training container runs as and the model files belong to."""

    uid: int
    gid: int

    @property
    def user(self) -> str:
        """The `uid:gid` string docker's `user` option takes."""
        return f"{self.uid}:{self.gid}"


def default_identity(project: Path) -> LabIdentity:
    """The caller's ids, or a non-root stand-in when the caller is root."""
    uid, gid = os.getuid(), os.getgid()
    if uid != 0:
        return LabIdentity(uid, gid)
    sudo_uid, sudo_gid = os.environ.get("SUDO_UID", ""), os.environ.get("SUDO_GID", "")
    if sudo_uid.isdigit() and sudo_gid.isdigit() and int(sudo_uid) != 0:
        return LabIdentity(int(sudo_uid), int(sudo_gid))
    owner = project.stat()
    if owner.st_uid != 0 and owner.st_gid != 0:
        return LabIdentity(owner.st_uid, owner.st_gid)
    return LabIdentity(FALLBACK_ID, FALLBACK_ID)


def parse_env_file(path: Path) -> dict[str, str]:
    """Read KEY=VALUE lines (comments and blank lines ignored, quotes stripped)."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        match = _LINE.match(raw)
        if not match:
            raise LabError(f"{path.name} line {number} is not KEY=VALUE: fix or delete {path}.")
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def _parse_id(path: Path, values: dict[str, str], key: str) -> int:
    value = values.get(key)
    if value is None:
        raise LabError(f"{path.name} has no {key}: add `{key}=<number>` or delete {path}.")
    if not value.isdigit() or not 0 < int(value) < 2**31:
        raise LabError(
            f"{key}={value!r} in {path.name} is not a non-root numeric id: "
            f"use a number from 1 (e.g. `id -u`) or delete {path}."
        )
    return int(value)


def load_identity(env_file: Path) -> LabIdentity:
    """USER_ID and GROUP_ID from .env, refusing malformed or root values with a clear line."""
    values = parse_env_file(env_file)
    return LabIdentity(
        _parse_id(env_file, values, "USER_ID"), _parse_id(env_file, values, "GROUP_ID")
    )


def ensure_identity(env_file: Path) -> LabIdentity:
    """Load the ids from .env, creating it with the default ids when it is missing."""
    if not env_file.exists():
        identity = default_identity(env_file.parent)
        env_file.write_text(
            "# Written by container-lab: the training container runs as this user and group,\n"
            "# so the models it writes belong to them.\n"
            f"USER_ID={identity.uid}\nGROUP_ID={identity.gid}\n"
        )
        return identity
    return load_identity(env_file)


def hand_over(path: Path, identity: LabIdentity) -> None:
    """Give a lab folder or file to the lab user when we are root (a no-op otherwise)."""
    if os.geteuid() == 0:
        os.chown(path, identity.uid, identity.gid)
