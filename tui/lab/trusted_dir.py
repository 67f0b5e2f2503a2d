"""Whether the trusted-keys folder can be trusted: nobody but its owner may change it.

Whoever can write the folder or a file in it can add a key of their own and a trustdb line for
it. So, as ssh does with authorized_keys, verify refuses a folder (or a file in it) that is
group- or other-writable, owned by another uid than the runner or root (the lab never hands
keys to the container's user), or that holds links; and a folder above it that others may
write without the sticky bit (they could swap the folder). Checked on the host, before any
container runs.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tui.errors import LabError


def _owner_ok(info: os.stat_result, owners: set[int]) -> bool:
    return info.st_uid in owners


def _refuse(path: Path, why: str) -> LabError:
    return LabError(
        f"refusing to trust {path}: {why}; fix it (chown to you, chmod go-w) "
        "or run `container-lab keys init --force`."
    )


def check_trusted_dir(folder: Path) -> Path:
    """The resolved folder, or a LabError naming what others could change in it."""
    owners = {os.geteuid(), 0}
    try:
        resolved = folder.resolve(strict=True)
        info = resolved.stat()
    except OSError as exc:
        raise LabError(
            f"no trusted-keys folder at {folder}: run `container-lab keys init`."
        ) from exc
    if not stat.S_ISDIR(info.st_mode):
        raise _refuse(resolved, "it is not a folder")
    _check_entry(resolved, info, owners)
    for entry in sorted(resolved.iterdir()):
        entry_info = entry.lstat()
        if stat.S_ISLNK(entry_info.st_mode) or not stat.S_ISREG(entry_info.st_mode):
            raise _refuse(entry, "it is a link or not a regular file")
        _check_entry(entry, entry_info, owners)
    for parent in resolved.parents:
        parent_info = parent.stat()
        if parent_info.st_mode & stat.S_IWOTH and not parent_info.st_mode & stat.S_ISVTX:
            raise _refuse(
                parent,
                "others can write it (mode "
                f"{stat.S_IMODE(parent_info.st_mode):04o}) and could swap the folder",
            )
    return resolved


def _check_entry(path: Path, info: os.stat_result, owners: set[int]) -> None:
    mode = stat.S_IMODE(info.st_mode)
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise _refuse(path, f"group or others can write it (mode {mode:04o})")
    if not _owner_ok(info, owners):
        raise _refuse(path, f"it belongs to uid {info.st_uid}, not to you or root")
