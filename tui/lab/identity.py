"""Who the lab's files belong to: USER_ID and GROUP_ID, kept in the project's .env.

The container never runs as root. When the caller is not root, the ids are the caller's; when the
caller is root (sudo, CI), they are $SUDO_UID/$SUDO_GID, else the project folder's owner when that
is not root, else an id no account on this machine has (the first free one from 20000): no file of
the lab is ever handed to an account that did not run it. `--user-id UID[:GID]` or USER_ID and
GROUP_ID in .env name another one. Only models/ (and a run's copy of the key) go to that user.

Whoever can write .env chooses who gets the key copy, so .env is written 644 whatever the umask,
and read only when it is a regular file of the caller (or root) that group and others cannot
write; ids are ASCII digits only (`int("٣٣")` is 33); and a USER_ID that is another existing
account than the caller is taken only from `--user-id`, never from .env.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
from dataclasses import dataclass
from pathlib import Path

from tui.errors import LabError
from tui.lab.files import read_trusted, write_new

# Where an unused id is looked for: above what useradd hands out on most machines; every
# candidate is checked against passwd and group all the same.
FREE_ID_START = 20000
FREE_ID_END = 60000
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_DIGITS = re.compile(r"[0-9]+", re.ASCII)  # str.isdigit() also takes "٣٣", which int() reads
ENV_MODE = 0o644


@dataclass(frozen=True)
class LabIdentity:
    """The uid and gid the training container runs as and the model files belong to."""

    uid: int
    gid: int

    @property
    def user(self) -> str:
        """The `uid:gid` string docker's `user` option takes."""
        return f"{self.uid}:{self.gid}"


def _known_uid(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def _known_gid(gid: int) -> bool:
    try:
        grp.getgrgid(gid)
    except KeyError:
        return False
    return True


def free_identity() -> LabIdentity:
    """The first id from FREE_ID_START that is neither a user's nor a group's on this machine."""
    for candidate in range(FREE_ID_START, FREE_ID_END):
        if not _known_uid(candidate) and not _known_gid(candidate):
            return LabIdentity(candidate, candidate)
    raise LabError(
        f"no free uid between {FREE_ID_START} and {FREE_ID_END}: "
        "name one with `--user-id UID[:GID]` or USER_ID/GROUP_ID in .env."
    )


def default_identity(project: Path) -> LabIdentity:
    """The caller's ids; as root, the sudo caller's, the folder owner's or an unused id."""
    uid, gid = os.getuid(), os.getgid()
    if uid != 0:
        return LabIdentity(uid, gid)
    sudo = _sudo_identity()
    if sudo is not None:
        return sudo
    owner = project.stat()
    if owner.st_uid != 0:
        if owner.st_gid != 0:
            return LabIdentity(owner.st_uid, owner.st_gid)
        with_group = _primary_gid(owner.st_uid)
        if with_group:
            return LabIdentity(owner.st_uid, with_group)
    return free_identity()


def is_number(text: str) -> bool:
    """Whether `text` is ASCII digits alone."""
    return _DIGITS.fullmatch(text) is not None


def _sudo_identity() -> LabIdentity | None:
    """$SUDO_UID and $SUDO_GID when both are non-root numbers."""
    uid, gid = os.environ.get("SUDO_UID", ""), os.environ.get("SUDO_GID", "")
    if is_number(uid) and is_number(gid) and int(uid) != 0 and int(gid) != 0:
        return LabIdentity(int(uid), int(gid))
    return None


def _primary_gid(uid: int) -> int:
    """The account's primary group, 0 when it has none (or it is root's)."""
    try:
        return pwd.getpwuid(uid).pw_gid
    except KeyError:
        return 0


def parse_user_id(text: str) -> LabIdentity:
    """`UID[:GID]` as `--user-id` takes it; GID defaults to the account's group, else to UID."""
    uid_text, _, gid_text = text.partition(":")
    if not is_number(uid_text) or (gid_text and not is_number(gid_text)):
        raise LabError(
            f"--user-id {text!r} is not UID[:GID]: give ASCII digits, e.g. `--user-id 1500`."
        )
    uid = int(uid_text)
    gid = int(gid_text) if gid_text else (_primary_gid(uid) or uid)
    if not (0 < uid < 2**31 and 0 < gid < 2**31):
        raise LabError(f"--user-id {text!r} names root or an id out of range: give ids from 1.")
    return LabIdentity(uid, gid)


def _env_remedy(path: Path) -> str:
    return f"fix it (`chown {os.geteuid()} {path}; chmod 644 {path}`) or delete it"


def read_env_file(path: Path) -> str:
    """.env's text, refused (one line) when another account could have written it."""
    data = read_trusted(path, _env_remedy(path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LabError(
            f"{path} is not UTF-8 text (byte {exc.start}): fix it or delete it "
            "(the lab writes a new one)."
        ) from exc


def parse_env_file(path: Path) -> dict[str, str]:
    """Read KEY=VALUE lines (comments and blank lines ignored, quotes stripped)."""
    values: dict[str, str] = {}
    for number, raw in enumerate(read_env_file(path).splitlines(), start=1):
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
    if not is_number(value) or not 0 < int(value) < 2**31:
        raise LabError(
            f"{key}={value!r} in {path} is not a non-root numeric id in ASCII digits: "
            f"use a number from 1 (e.g. `id -u`) or delete {path}."
        )
    return int(value)


def _callers(project: Path) -> set[int]:
    """The accounts .env may name: the caller; as root, whom default_identity would pick."""
    callers = {os.geteuid()}
    if os.geteuid() == 0:
        sudo = _sudo_identity()
        if sudo is not None:
            callers.add(sudo.uid)
        with contextlib.suppress(OSError):
            callers.add(project.stat().st_uid)
    return callers


def _refuse_other_account(env_file: Path, uid: int) -> None:
    """An existing account other than the caller gets the key copy only by `--user-id`."""
    try:
        account = pwd.getpwuid(uid).pw_name
    except KeyError:
        return  # no account has it: nobody on the host can use what the container's uid gets
    if uid not in _callers(env_file.parent):
        raise LabError(
            f"USER_ID={uid} in {env_file} is the account {account!r}, not you: the container "
            f"would run as it with a copy of the signing key; to mean it, pass `--user-id {uid}`, "
            f"else delete {env_file} (the lab writes your ids)."
        )


def load_identity(env_file: Path) -> LabIdentity:
    """USER_ID and GROUP_ID from .env, refusing malformed or root values with a clear line."""
    values = parse_env_file(env_file)
    identity = LabIdentity(
        _parse_id(env_file, values, "USER_ID"), _parse_id(env_file, values, "GROUP_ID")
    )
    _refuse_other_account(env_file, identity.uid)
    return identity


def ensure_identity(env_file: Path, override: LabIdentity | None = None) -> LabIdentity:
    """The ids from `override`, else from .env, writing .env when it is missing.

    `override` (`--user-id`) wins for this run and is what a missing .env gets; an existing
    .env is left alone.
    """
    if not env_file.exists() and not env_file.is_symlink():
        identity = override or default_identity(env_file.parent)
        text = (
            "# Written by container-lab: the training container runs as this user and group,\n"
            "# so the models it writes belong to them.\n"
            f"USER_ID={identity.uid}\nGROUP_ID={identity.gid}\n"
        )
        try:
            write_new(env_file, text.encode(), ENV_MODE)
            return identity
        except FileExistsError:
            pass  # written meanwhile by another run: read it as any .env
        except OSError as exc:
            raise LabError(f"cannot write {env_file} ({exc.strerror}): fix its folder.") from exc
    return override or load_identity(env_file)


def hand_over(path: Path, identity: LabIdentity) -> None:
    """Give a lab folder or file to the lab user when we are root (a no-op otherwise)."""
    if os.geteuid() == 0:
        os.chown(path, identity.uid, identity.gid)
