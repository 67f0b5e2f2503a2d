"""What a model tarball holds, read with our own parser in one streaming pass: nothing unpacked.

The file is opened once, without following a link, and must be a regular file within
FILE_CAP. Then gzip (training.gzipstream) and tar (training.tarstream) are read strictly, and
each member's header is checked here before any of its data is read: the model folder first and
only once, plain files directly in it, safe names, no name twice, at most MAX_MEMBERS members,
and the size caps (a 1.5 GiB member of zeros is refused from its header). Every file's data is
hashed with SHA-256 on the way, for the signed manifest to be checked against.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from training.gzipstream import gunzip
from training.refusal import FILE, LAYOUT, BadTarball, shown, size_text
from training.tarheader import FOLDER
from training.tarstream import TarReader

MiB = 1024 * 1024
FILE_CAP = 256 * MiB  # the tarball itself, on disk
MEMBER_CAP = 256 * MiB  # one member, unpacked
TOTAL_CAP = 1024 * MiB  # all members together, unpacked
MAX_MEMBERS = 64
KEPT_CAP = 1 * MiB  # a metadata file read into memory
_SAFE_PART = re.compile(r"[A-Za-z0-9._-]+")

__all__ = ["BadTarball", "Limits", "Member", "TarballLayout", "open_model", "read_layout", "scan"]


@dataclass(frozen=True)
class Limits:
    """The caps a tarball must keep (tests use smaller ones)."""

    member: int = MEMBER_CAP
    total: int = TOTAL_CAP
    members: int = MAX_MEMBERS
    kept: int = KEPT_CAP


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Member:
    """One member as its header says, with the SHA-256 of its data ("" for the folder)."""

    name: str
    kind: str
    mode: int
    size: int
    mtime: int
    sha256: str
    extended: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TarballLayout:
    """The model folder, every member in archive order, and the metadata files asked for."""

    folder: str
    members: tuple[Member, ...]
    kept: dict[str, bytes] = field(default_factory=dict)

    @property
    def files(self) -> dict[str, int]:
        """Name inside the folder -> size, for every file."""
        return {m.name.split("/")[-1]: m.size for m in self.members if m.kind != FOLDER}


def member_parts(label: str, name: str, kind: str) -> tuple[str, ...]:
    """The parts of a member's name, or BadTarball when the name is unsafe or unusual."""
    path = name[:-1] if kind == FOLDER and name.endswith("/") else name
    if path.startswith("/") or ".." in path.split("/"):
        raise BadTarball(f"{label} has an unsafe member path: {shown(name)}", LAYOUT)
    if path == "." or path.startswith("./"):
        raise BadTarball(
            f"{label}: member {shown(name)} starts with ./ (refused: the model folder must be "
            "the archive's top level; pack the folder by its own name)",
            LAYOUT,
        )
    parts = tuple(path.split("/"))
    if any(part in ("", ".") for part in parts):
        raise BadTarball(f"{label} has an unsafe member path: {shown(name)}", LAYOUT)
    if not all(_SAFE_PART.fullmatch(part) for part in parts):
        raise BadTarball(
            f"{label}: member {shown(name)} has characters other than A-Z a-z 0-9 . _ - in its "
            "name",
            LAYOUT,
        )
    return parts


def _check_place(label: str, folder: str | None, parts: tuple[str, ...], kind: str) -> str:
    """The model folder's name: set by the first member, which must be it."""
    shown_name = shown("/".join(parts))
    if folder is None:
        if kind != FOLDER or len(parts) != 1:
            raise BadTarball(
                f"{label} must hold exactly one model folder, as its first member; it starts "
                f"with {shown_name}",
                LAYOUT,
            )
        return parts[0]
    if kind == FOLDER:
        raise BadTarball(
            f"{label} must hold exactly one model folder, found another: {shown_name}", LAYOUT
        )
    if len(parts) != 2 or parts[0] != folder:
        raise BadTarball(f"{label} has a member outside one flat folder: {shown_name}", LAYOUT)
    return folder


def _check_size(label: str, name: str, size: int, total: int, limits: Limits) -> None:
    if size > limits.member:
        raise BadTarball(
            f"{label}: member {shown(name)} unpacks to {size_text(size)}, over the "
            f"{size_text(limits.member)} cap per member (refused without unpacking)",
            LAYOUT,
        )
    if total > limits.total:
        raise BadTarball(
            f"{label} unpacks to more than the {size_text(limits.total)} cap "
            "(refused without unpacking)",
            LAYOUT,
        )


def read_layout(
    chunks: Iterator[bytes],
    label: str,
    *,
    keep: frozenset[str] = frozenset(),
    limits: Limits = DEFAULT_LIMITS,
) -> TarballLayout:
    """Every member of the tar stream `chunks`, checked; the files named in `keep` kept."""
    reader = TarReader(chunks, label)
    folder: str | None = None
    members: list[Member] = []
    seen: set[tuple[str, ...]] = set()
    kept: dict[str, bytes] = {}
    total = 0
    while (entry := reader.next()) is not None:
        header = entry.header
        if len(members) >= limits.members:
            raise BadTarball(f"{label} has more than {limits.members} members", LAYOUT)
        parts = member_parts(label, header.name, header.kind)
        if parts in seen:
            raise BadTarball(f"{label} holds {shown(header.name)} twice", LAYOUT)
        seen.add(parts)
        folder = _check_place(label, folder, parts, header.kind)
        total += header.size
        _check_size(label, header.name, header.size, total, limits)
        wanted = header.kind != FOLDER and parts[-1] in keep
        if wanted and header.size > limits.kept:
            raise BadTarball(
                f"{label}: {shown(header.name)} is {size_text(header.size)}, over the "
                f"{size_text(limits.kept)} cap for a metadata file",
                LAYOUT,
            )
        digest, data = reader.data(keep=wanted)
        if data is not None:
            kept[parts[-1]] = data
        sha256 = "" if header.kind == FOLDER else digest
        members.append(
            Member(
                header.name,
                header.kind,
                header.mode,
                header.size,
                header.mtime,
                sha256,
                entry.extended,
            )
        )
    if folder is None:
        raise BadTarball(f"{label} holds no files", LAYOUT)
    return TarballLayout(folder, tuple(members), kept)


@contextmanager
def open_model(path: Path) -> Iterator[BinaryIO]:
    """The file at `path`, opened once without following a link: regular, not empty, capped."""
    label = shown(path.name)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BadTarball(f"{label} is a symbolic link: give the file itself", FILE) from exc
        raise BadTarball(f"cannot open {label}: {exc.strerror}", FILE) from exc
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise BadTarball(f"{label} is not a file", FILE)
        if info.st_size == 0:
            raise BadTarball(f"{label} is empty", FILE)
        if info.st_size > FILE_CAP:
            raise BadTarball(
                f"{label} is {size_text(info.st_size)}, over the {size_text(FILE_CAP)} cap "
                "for a model tarball",
                FILE,
            )
    except BadTarball:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb") as handle:
        yield handle


def scan(
    path: Path, *, keep: frozenset[str] = frozenset(), limits: Limits = DEFAULT_LIMITS
) -> TarballLayout:
    """Open `path` and read its layout (see read_layout)."""
    label = shown(path.name)
    with open_model(path) as handle:
        return read_layout(gunzip(handle, label), label, keep=keep, limits=limits)
