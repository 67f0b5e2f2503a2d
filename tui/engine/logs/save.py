"""Saving log lines to a file on this machine: never through a symlink, never into anything but
a regular file, and no half-written file left behind.

The dashboard often runs as root, and the path is typed by whoever sits at it: `/tmp/x.log`
may be another account's symlink to /etc/shadow, or a FIFO that would hang the save forever.
So the file is opened with O_NOFOLLOW (and O_EXCL when new), checked with fstat on the open
descriptor (no second look-up by path), and only then truncated.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
from collections.abc import Iterable
from pathlib import Path

from tui.errors import LabError

NEW_FILE_MODE = 0o600  # log lines may carry secrets: share the file on purpose
_OPEN = os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK  # a FIFO never blocks
_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFLNK: "a symbolic link",
}


def default_save_path(name: str, now: float | None = None, folder: Path | None = None) -> Path:
    """`<name>-<YYYYmmdd-HHMMSS>.log` in the current folder (the name made safe for a file)."""
    return (folder or Path.cwd()) / default_file_name(name, now)


def default_file_name(name: str, now: float | None = None) -> str:
    """`<name>-<YYYYmmdd-HHMMSS>.log`, the name made safe for a file (also a download's name)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "logs"
    return f"{safe}-{stamp}.log"


def _refusal(path: Path, exc: OSError) -> LabError:
    if exc.errno == errno.ELOOP:
        return LabError(f"not saved: {path} is a symbolic link; give the path of a real file")
    if exc.errno == errno.EISDIR:
        return LabError(f"not saved: {path} is a folder; give a file name in it")
    if exc.errno == errno.ENXIO:  # a FIFO nobody reads, or a device that is not there
        return LabError(f"not saved: {path} is not a regular file; pick another path")
    return LabError(f"cannot save to {path}: {exc.strerror or exc}; pick another path")


def open_log_file(path: Path, *, overwrite: bool) -> tuple[int, bool]:
    """An open descriptor on a regular file at `path`, and whether it was created.

    FileExistsError when the path exists (a symlink too) and `overwrite` is false; LabError
    (one line saying what to do) for a symlink, a folder, a FIFO, a device, a file with other
    names (hard links), or any other failure. An overwritten file is truncated only after it
    has been checked.
    """
    created = not overwrite
    try:
        if overwrite:
            try:
                fd = os.open(path, _OPEN)
            except FileNotFoundError:  # gone since the question: make it anew
                fd, created = os.open(path, _OPEN | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE), True
        else:
            fd = os.open(path, _OPEN | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE)
    except FileExistsError:
        raise
    except OSError as exc:
        raise _refusal(path, exc) from exc
    try:
        info = os.fstat(fd)
        kind = stat.S_IFMT(info.st_mode)
        if kind != stat.S_IFREG:
            what = _KINDS.get(kind, "not a regular file")
            raise LabError(f"not saved: {path} is {what}, not a regular file; pick another path")
        if info.st_nlink > 1:
            raise LabError(f"not saved: {path} has other names (hard links); pick another path")
        os.set_blocking(fd, True)
        if not created:
            os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd, created


def save_lines(path: Path, lines: Iterable[str], *, overwrite: bool) -> int:
    """Write lines to `path` (see open_log_file); returns how many were written.

    If reading the lines fails half way (the engine went away), a file this call created is
    removed (if it is still the one there) and the error raised.
    """
    fd, created = open_log_file(path, overwrite=overwrite)
    identity = os.fstat(fd)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for line in lines:
                try:
                    out.write(line)
                    out.write("\n")
                except OSError as exc:  # a full disk; not an error of the lines' source
                    raise LabError(f"cannot save to {path}: {exc.strerror or exc}") from exc
                count += 1
    except BaseException:
        if created:
            _remove_if_same(path, identity)
        raise
    return count


class LogFiles:
    """The one way the dashboard writes log files on this machine (a read-only one gets this
    wrapped with no reads: tui/engine/read_only.py)."""

    def save_lines(self, path: Path, lines: Iterable[str], *, overwrite: bool) -> int:
        """See the module's save_lines."""
        return save_lines(path, lines, overwrite=overwrite)


LOG_FILES_READS: frozenset[str] = frozenset()


def _remove_if_same(path: Path, identity: os.stat_result) -> None:
    try:
        now = os.stat(path, follow_symlinks=False)
    except OSError:
        return
    if (now.st_dev, now.st_ino) == (identity.st_dev, identity.st_ino):
        path.unlink(missing_ok=True)
