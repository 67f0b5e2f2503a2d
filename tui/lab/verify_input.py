"""The file `verify` is given: opened once without following a link, checked, copied privately.

The verifier container runs as the lab's user, who may not be able to read the original, so it
gets a copy. Before this, verify followed a symlinked input and copied its target into a
world-readable folder under /tmp (another account read a root-only file that way), and a 2 GiB
sparse file became 2 GiB of real data there. Now the input is opened once with O_NOFOLLOW; its
type, size (INPUT_CAP) and gzip header are checked from that descriptor, and only then is it
copied, from the same descriptor, into a 0700 folder (inside another 0700 folder) as a 0600
file owned by the container's uid.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tui.errors import LabError
from tui.lab.identity import LabIdentity

MiB = 1024 * 1024
INPUT_CAP = 256 * MiB  # the same cap as training.tarball.FILE_CAP
GZIP_MAGIC = b"\x1f\x8b\x08"
FALLBACK_NAME = "model.tar.gz"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class VerifyInput:
    """The opened input: its descriptor, size, and the name the copy gets."""

    fd: int
    size: int
    name: str


def copy_name(name: str) -> str:
    """The copy's name: `name` with every character but A-Z a-z 0-9 . _ - made `_`.

    Kept whole otherwise, so the verifier compares the timestamp in it with the signed one.
    """
    safe = _UNSAFE.sub("_", name)[:255]
    return safe if safe.strip(".") else FALLBACK_NAME


def refusal(opened: VerifyInput, shown: str) -> str | None:
    """Why the verifier need not even start for this input, or None."""
    if opened.size == 0:
        return f"{shown} is empty"
    if opened.size > INPUT_CAP:
        return (
            f"{shown} is {opened.size / MiB:.0f} MiB, over the {INPUT_CAP // MiB} MiB cap for a "
            "model tarball (nothing was copied)"
        )
    if os.pread(opened.fd, len(GZIP_MAGIC), 0) != GZIP_MAGIC:
        return f"{shown} is not a complete gzip tarball (it does not start with a gzip header)"
    return None


@contextmanager
def open_input(path: Path) -> Iterator[VerifyInput]:
    """`path` opened once, read-only, refusing a symbolic link or anything but a regular file."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LabError(
                f"{path} is a symbolic link: give the model file itself (verify does not "
                "follow links)."
            ) from exc
        if exc.errno == errno.ENOENT:
            raise LabError(f"no file at {path}: give the path of a model tarball.") from exc
        raise LabError(f"cannot read {path}: {exc.strerror}.") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LabError(f"{path} is not a regular file: give the path of a model tarball.")
        yield VerifyInput(fd, info.st_size, copy_name(path.name))
    finally:
        os.close(fd)


def _copy(opened: VerifyInput, target: Path, identity: LabIdentity) -> None:
    """Copy at most INPUT_CAP bytes from the descriptor into a new 0600 file."""
    out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        if os.geteuid() == 0:
            os.fchown(out, identity.uid, identity.gid)
        offset = 0
        while chunk := os.pread(opened.fd, _CHUNK, offset):
            offset += len(chunk)
            if offset > INPUT_CAP:
                raise LabError(f"{opened.name} grew past the {INPUT_CAP // MiB} MiB cap.")
            os.write(out, chunk)
    finally:
        os.close(out)


@contextmanager
def private_copy(opened: VerifyInput, identity: LabIdentity) -> Iterator[Path]:
    """A folder holding only the copy, readable by the container's uid and nobody else."""
    with tempfile.TemporaryDirectory(prefix="container-lab-verify-") as outer:
        folder = Path(outer) / "input"
        folder.mkdir(mode=0o700)
        if os.geteuid() == 0:
            os.chown(folder, identity.uid, identity.gid)
        _copy(opened, folder / opened.name, identity)
        yield folder
