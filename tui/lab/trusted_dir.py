"""The trusted keys, checked through file descriptors, and a private snapshot of what was checked.

Whoever can change the trusted-keys folder can trust a key of their own, and a check by path says
nothing about what the engine mounts a moment later (issue 21: a race swapped the folder between
the two, and a foreign-signed model verified). So `read_trusted_keys` opens every folder from /
down to .lab/trusted-keys by descriptor (.lab and below with O_NOFOLLOW), checks each with fstat,
and reads each key file from its own descriptor; no path is walked twice. The containers then get
`private_snapshot`: a fresh 700 folder holding exactly those bytes (files 400, both given to the
container's uid), removed when the run ends. The live folder is never mounted.

Refused, as ssh does with authorized_keys: a .lab or trusted-keys that is a link or not a folder,
that group or others can write, or that belongs to another uid than the caller or root; a file in
it likewise, or not a regular file; a folder above them that others may write without the sticky
bit.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tui.errors import LabError
from tui.lab.files import OPEN_FLAGS, read_limited, trusted_owners
from tui.lab.identity import LabIdentity
from tui.paths import LabPaths

MAX_KEY_FILES = 32
MAX_KEY_BYTES = 1024 * 1024
SNAPSHOT_PREFIX = "container-lab-trusted-keys-"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


@dataclass(frozen=True)
class TrustedKeys:
    """The key files as they were read, by name, and the folder they were read from."""

    folder: Path
    files: Mapping[str, bytes]


def _refuse(path: Path, why: str) -> LabError:
    return LabError(
        f"refusing to trust {path}: {why}; fix it (chown to you, chmod go-w) "
        "or run `container-lab keys init --force`."
    )


def _open_folder(stack: ExitStack, name: str, parent: int | None, path: Path, follow: bool) -> int:
    """Open one folder of the walk (closed with `stack`); a LabError when it is not one."""
    try:
        descriptor = os.open(name, _DIR_FLAGS | (0 if follow else os.O_NOFOLLOW), dir_fd=parent)
    except FileNotFoundError as exc:
        raise LabError(f"no trusted-keys folder at {path}: run `container-lab keys init`.") from exc
    except OSError as exc:
        if exc.errno != errno.ENOTDIR:
            raise LabError(f"cannot open {path} ({exc.strerror}): check its owner.") from exc
        link = stat.S_ISLNK(os.lstat(name, dir_fd=parent).st_mode)
        raise _refuse(path, "it is a link" if link else "it is not a folder") from exc
    stack.callback(os.close, descriptor)
    return descriptor


def _check_owned(path: Path, info: os.stat_result) -> None:
    mode = stat.S_IMODE(info.st_mode)
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise _refuse(path, f"group or others can write it (mode {mode:04o})")
    if info.st_uid not in trusted_owners():
        raise _refuse(path, f"it belongs to uid {info.st_uid}, not to you or root")


def _check_above(path: Path, info: os.stat_result) -> None:
    if info.st_mode & stat.S_IWOTH and not info.st_mode & stat.S_ISVTX:
        mode = stat.S_IMODE(info.st_mode)
        raise _refuse(path, f"others can write it (mode {mode:04o}) and could swap the folder")


def open_checked_folder(stack: ExitStack, path: Path, below: tuple[str, ...] = ()) -> int:
    """A descriptor of `path`/`below`: `path`'s folders from / checked for swaps, `below`'s
    (opened with O_NOFOLLOW) for owner and mode; every descriptor is closed with `stack`."""
    resolved = Path(os.path.realpath(path))
    current = _open_folder(stack, "/", None, Path("/"), follow=True)
    where = Path("/")
    _check_above(where, os.fstat(current))
    for part in resolved.parts[1:]:
        where = where / part
        current = _open_folder(stack, part, current, where, follow=False)
        _check_above(where, os.fstat(current))
    for part in below:
        where = where / part
        current = _open_folder(stack, part, current, where, follow=False)
        _check_owned(where, os.fstat(current))
    return current


def _read_key_file(folder: int, name: str, path: Path) -> bytes:
    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_NONBLOCK | OPEN_FLAGS, dir_fd=folder)
    except OSError as exc:
        why = "it is a link" if exc.errno == errno.ELOOP else f"it cannot be read ({exc.strerror})"
        raise _refuse(path, why) from exc
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(path, "it is a link or not a regular file")
        _check_owned(path, info)
        data = read_limited(descriptor, MAX_KEY_BYTES + 1)
    finally:
        os.close(descriptor)
    if len(data) > MAX_KEY_BYTES:
        raise _refuse(path, f"it is larger than {MAX_KEY_BYTES} bytes")
    return data


def read_trusted_keys(paths: LabPaths) -> TrustedKeys:
    """The trusted key files, read through descriptors after every check (see the docstring)."""
    folder = paths.trusted_keys
    with ExitStack() as stack:
        below = (paths.lab.name, folder.name)
        descriptor = open_checked_folder(stack, paths.project, below)
        names = sorted(os.listdir(descriptor))
        if len(names) > MAX_KEY_FILES:
            raise _refuse(folder, f"it holds {len(names)} entries, more than {MAX_KEY_FILES}")
        files = {name: _read_key_file(descriptor, name, folder / name) for name in names}
    return TrustedKeys(folder, files)


@contextmanager
def private_snapshot(keys: TrustedKeys, identity: LabIdentity) -> Iterator[Path]:
    """A fresh 700 folder of exactly `keys`' files (400), the container uid's; removed after."""
    snapshot = Path(tempfile.mkdtemp(prefix=SNAPSHOT_PREFIX))  # 700, a name nobody can guess
    try:
        with ExitStack() as stack:
            folder = open_checked_folder(stack, snapshot)
            for name, data in keys.files.items():
                _write_copy(folder, name, data, identity)
            if os.geteuid() == 0:
                os.fchown(folder, identity.uid, identity.gid)
        yield snapshot
    finally:
        shutil.rmtree(snapshot, ignore_errors=True)


def _write_copy(folder: int, name: str, data: bytes, identity: LabIdentity) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | OPEN_FLAGS
    descriptor = os.open(name, flags, 0o400, dir_fd=folder)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(descriptor, 0o400)
        if os.geteuid() == 0:
            os.fchown(descriptor, identity.uid, identity.gid)
        handle.write(data)
