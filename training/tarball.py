"""What a model tarball holds, read from its tar headers only: nothing is unpacked here.

The headers are read in one streaming pass, and each member's size is checked the moment its
header is read, before any of its data: a 1.5 GiB member of zeros (a few MB gzipped, or a
sparse member of a few hundred bytes) is refused without being decompressed.
"""

from __future__ import annotations

import gzip
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MiB = 1024 * 1024
MEMBER_CAP = 256 * MiB  # one member, unpacked
TOTAL_CAP = 1024 * MiB  # all members together, unpacked
MAX_MEMBERS = 64
_CHUNK = 64 * 1024


class BadTarball(Exception):
    """The file is not an acceptable model tarball; the message says why in one line."""


@dataclass(frozen=True)
class TarballLayout:
    """The model folder and the files in it, as the headers say."""

    folder: str
    files: dict[str, int]  # name inside the folder -> unpacked size


def _size(count: int) -> str:
    return f"{count / MiB:.0f} MiB" if count >= MiB else f"{count} bytes"


def _check_member(label: str, member: tarfile.TarInfo) -> PurePosixPath:
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts or not name.parts:
        raise BadTarball(f"{label} has an unsafe member path: {member.name}")
    if member.issym() or member.islnk() or member.isdev():
        raise BadTarball(f"{label} has a link or device member: {member.name}")
    if not (member.isfile() or member.isdir()):
        raise BadTarball(f"{label} has a member that is neither file nor folder: {member.name}")
    if member.size > MEMBER_CAP:
        raise BadTarball(
            f"{label}: member {member.name} unpacks to {_size(member.size)}, over the "
            f"{_size(MEMBER_CAP)} cap per member (refused without unpacking)"
        )
    return name


def scan(path: Path) -> TarballLayout:
    """Refuse what is not one complete gzip tarball of one flat model folder within the caps."""
    label = path.name
    if not path.is_file():
        raise BadTarball(f"{label} is not a file")
    if path.stat().st_size == 0:
        raise BadTarball(f"{label} is empty")
    folders: list[str] = []
    files: dict[str, int] = {}
    seen: set[str] = set()
    total = 0
    try:
        with gzip.open(path, "rb") as raw, tarfile.open(fileobj=raw, mode="r|") as archive:
            for member in archive:
                if len(seen) >= MAX_MEMBERS:
                    raise BadTarball(f"{label} has more than {MAX_MEMBERS} members")
                name = _check_member(label, member)
                key = str(name)
                if key in seen:
                    raise BadTarball(f"{label} holds {member.name} twice")
                seen.add(key)
                total += member.size
                if total > TOTAL_CAP:
                    raise BadTarball(
                        f"{label} unpacks to more than the {_size(TOTAL_CAP)} cap "
                        "(refused without unpacking)"
                    )
                if member.isdir() and len(name.parts) == 1:
                    folders.append(key)
                elif member.isfile() and len(name.parts) == 2:
                    files[name.parts[1]] = member.size
                else:
                    raise BadTarball(f"{label} has a member outside one flat folder: {key}")
            _refuse_trailing_data(label, archive)
    except BadTarball:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BadTarball(f"{label} is not a complete gzip tarball ({exc})") from exc
    if not seen:
        raise BadTarball(f"{label} holds no files")
    tops = {PurePosixPath(name).parts[0] for name in seen}
    if len(tops) != 1 or len(folders) != 1:
        raise BadTarball(f"{label} must hold exactly one model folder, found {len(tops)}")
    return TarballLayout(folders[0], files)


def _refuse_trailing_data(label: str, archive: tarfile.TarFile) -> None:
    """After the end-of-archive blocks only zero padding may follow.

    Anything else (a second tarball appended, as in a doubled file) is bytes no signature
    covers, which a reader that skips end markers (`tar --ignore-zeros`) would unpack.
    """
    stream = archive.fileobj
    assert stream is not None
    read = 0
    while chunk := stream.read(_CHUNK):
        if chunk.count(0) != len(chunk):
            raise BadTarball(f"{label} has data after the end of its archive (not signed)")
        read += len(chunk)
        if read > TOTAL_CAP:
            raise BadTarball(f"{label} has more than {_size(TOTAL_CAP)} of padding")
