"""Repack special_k's tarball as the lab writes models: canonical headers, then the signed seal.

Every header is plain ustar written here (mode 644 for files, 755 for the folder, owner root,
the training time as mtime, no pax or GNU extension) and the gzip header names no file, so the
strict reader accepts exactly what was written, and the seal lists each member as it was
written. See training.seal for what the seal holds.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from training.attestation import ATTESTATION_FILE
from training.seal import SEAL_FILE, SEAL_MODE, seal_document
from training.tarball import Member
from training.tarheader import FILE, FOLDER

FILE_MODE = 0o644
FOLDER_MODE = 0o755


class _Hashing(io.RawIOBase):
    """Reads through to `source`, hashing what passes."""

    def __init__(self, source: io.BufferedIOBase) -> None:
        super().__init__()
        self.source = source
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        """It is."""
        return True

    def read(self, size: int = -1) -> bytes:
        """The next bytes of the source, hashed."""
        data = self.source.read(size)
        self.digest.update(data)
        return data


def _header(name: str, kind: str, mtime: int, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if kind == FOLDER else tarfile.REGTYPE
    info.mode = FOLDER_MODE if kind == FOLDER else FILE_MODE
    info.mtime = mtime
    info.size = size
    return info


def seal_tarball(
    unsealed: Path,
    target: Path,
    *,
    model: str,
    trained_at: datetime,
    key: str,
    sign: Callable[[bytes], bytes],
    provenance: dict[str, Any] | None = None,
    attest: Callable[[Sequence[Member]], bytes] | None = None,
) -> None:
    """Write `target` (which must not exist): `unsealed`'s members, then the signed seal.

    With `attest`, its bytes (made from the members so far) become the member ATTESTATION_FILE
    before the seal; `provenance` goes into the seal.
    """
    mtime = int(trained_at.timestamp())
    members: list[Member] = []
    with (
        tarfile.open(unsealed, "r:gz") as source,
        target.open("xb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime) as packed,
        tarfile.open(fileobj=packed, mode="w", format=tarfile.USTAR_FORMAT) as archive,
    ):
        folder = ""
        for original in source.getmembers():
            if original.isdir():
                folder = original.name.rstrip("/")
                info = _header(folder + "/", FOLDER, mtime)
                archive.addfile(info)
                members.append(Member(info.name, FOLDER, info.mode, 0, mtime, ""))
                continue
            data = source.extractfile(original)
            if data is None:
                raise ValueError(f"special_k wrote a member that is not a file: {original.name}")
            info = _header(original.name, FILE, mtime, original.size)
            hashing = _Hashing(data)  # type: ignore[arg-type]
            archive.addfile(info, hashing)
            sha256 = hashing.digest.hexdigest()
            members.append(Member(info.name, FILE, info.mode, info.size, mtime, sha256))
        if attest is not None:
            attestation = attest(tuple(members))
            info = _header(f"{folder}/{ATTESTATION_FILE}", FILE, mtime, len(attestation))
            archive.addfile(info, io.BytesIO(attestation))
            sha256 = hashlib.sha256(attestation).hexdigest()
            members.append(Member(info.name, FILE, info.mode, info.size, mtime, sha256))
        seal_name = f"{folder}/{SEAL_FILE}"
        document = seal_document(
            members, seal_name, model=model, trained_at=trained_at, key=key, provenance=provenance
        )
        signed = sign(document)
        seal_header = _header(seal_name, FILE, mtime, len(signed))
        seal_header.mode = SEAL_MODE
        archive.addfile(seal_header, io.BytesIO(signed))
