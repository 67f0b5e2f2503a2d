"""Files the lab writes or trusts: explicit modes (never the umask), never through a link.

Writers create with O_EXCL and O_NOFOLLOW and then set the mode with fchmod, so a caller's
umask 000 cannot leave a file others may write, and a planted link is never written through.
`read_trusted` refuses, as ssh does with authorized_keys, what another account could have
written: a link, anything but a regular file, a file of another uid than the caller or root,
or one that group or others can write.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from tui.errors import LabError

MAX_TRUSTED_BYTES = 1024 * 1024  # .env and key files are a few KiB
OPEN_FLAGS = os.O_NOFOLLOW | os.O_CLOEXEC


def trusted_owners() -> set[int]:
    """Who may own what the lab trusts: the caller, or root."""
    return {os.geteuid(), 0}


def write_new(path: Path, data: bytes, mode: int, *, dir_fd: int | None = None) -> None:
    """Create `path` (it must not exist) with exactly `mode`, whatever the umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | OPEN_FLAGS
    descriptor = os.open(path, flags, mode, dir_fd=dir_fd)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), mode)
        handle.write(data)


def replace_file(path: Path, data: bytes, mode: int) -> None:
    """Write `path` afresh with exactly `mode` (an older file or link there is removed first)."""
    path.unlink(missing_ok=True)
    write_new(path, data, mode)


def make_folder(path: Path, mode: int, *, exist_ok: bool = False) -> None:
    """Create `path` with exactly `mode`; with `exist_ok`, an existing one is left as it is."""
    try:
        os.mkdir(path, mode)
    except FileExistsError:
        if exist_ok:
            return
        raise
    os.chmod(path, mode, follow_symlinks=False)


def refuse_unless_trusted(path: Path, info: os.stat_result, remedy: str) -> None:
    """A LabError when another account than the caller or root could have written `path`."""
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid not in trusted_owners():
        raise LabError(f"{path} belongs to uid {info.st_uid}, not to you or root; {remedy}")
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise LabError(f"{path}: group or others can write it (mode {mode:04o}); {remedy}")


def read_trusted(path: Path, remedy: str) -> bytes:
    """The bytes of a regular file only the caller or root could have written.

    FileNotFoundError passes through; everything else is a one-line LabError ending in `remedy`.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | OPEN_FLAGS)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LabError(f"{path} is a link, which the lab does not follow; {remedy}") from exc
        raise LabError(f"cannot read {path} ({exc.strerror}); {remedy}") from exc
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise LabError(f"{path} is a folder, not a file; {remedy}")
        if not stat.S_ISREG(info.st_mode):
            raise LabError(f"{path} is not a regular file; {remedy}")
        refuse_unless_trusted(path, info, remedy)
        data = read_limited(descriptor, MAX_TRUSTED_BYTES + 1)
    finally:
        os.close(descriptor)
    if len(data) > MAX_TRUSTED_BYTES:
        raise LabError(f"{path} is larger than {MAX_TRUSTED_BYTES} bytes; {remedy}")
    return data


def read_limited(descriptor: int, limit: int) -> bytes:
    """Up to `limit` bytes from an open file, from where it stands."""
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(descriptor, min(left, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
