"""Who may open the local engine's socket (standard library only)."""

from __future__ import annotations

import getpass
import grp
import os
from pathlib import Path


def socket_denied(url: str) -> str | None:
    """For a local socket this user may not open, the one line that says how to get in."""
    path = Path(url.removeprefix("unix://")) if url.startswith("unix://") else None
    if path is None or not path.exists() or os.access(path, os.R_OK | os.W_OK):
        return None
    gid = path.stat().st_gid
    try:
        group = grp.getgrgid(gid).gr_name
    except KeyError:
        return f"The engine at {url} answers only to root and group id {gid}: join that group."
    return (
        f"The engine at {url} answers only to root and the {group} group: "
        f"`sudo adduser {getpass.getuser()} {group}`, then log in again."
    )
