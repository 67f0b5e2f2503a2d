"""A tar archive read in one streaming pass with our own header parser (training.tarheader).

Each member's header reaches the caller before any of its data is read, so the caller can
refuse it by its name or size without unpacking it; the data of an accepted member is read in
chunks, hashed with SHA-256 and, when asked, kept. A pax extended header is accepted only up to
PAX_CAP bytes (refused from its header) and only with time records. Padding after each member's
data and everything after the end-of-archive block must be zeros.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from training.refusal import TAR, BadTarball, shown, size_text
from training.tarheader import BLOCK, PAX, Header, is_end, parse

PAX_CAP = 1024
PAX_KEYS = frozenset({"mtime", "atime", "ctime"})
TRAILING_CAP = 1024 * 1024  # zeros after the end block (tar pads to 10 KiB records)
_CHUNK = 64 * 1024
_PAX_RECORD = re.compile(rb"([1-9][0-9]{0,3}) ([a-z]+)=([0-9]{1,12}(?:\.[0-9]{1,9})?)\n")
_PAX_NAME = re.compile(r"(?:\./)*@PaxHeader|(?:[A-Za-z0-9._-]+/)*PaxHeaders(?:\.[0-9]+)?/[^/]+")


@dataclass(frozen=True)
class Entry:
    """One member: its header and the time records of a pax header before it."""

    header: Header
    extended: tuple[tuple[str, str], ...] = ()


def parse_pax(data: bytes) -> tuple[tuple[str, str], ...] | None:
    """The records of a pax header if each is a well-formed time record, else None."""
    records: list[tuple[str, str]] = []
    position = 0
    while position < len(data):
        match = _PAX_RECORD.match(data, position)
        if match is None or int(match[1]) != match.end() - position:
            return None
        key = match[2].decode("ascii")
        if key not in PAX_KEYS or any(key == seen for seen, _ in records):
            return None
        records.append((key, match[3].decode("ascii")))
        position = match.end()
    return tuple(records)


class _Bytes:
    """Exact reads over an iterator of non-empty chunks, copying each byte about once."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""
        self._position = 0

    def read(self, count: int) -> bytes:
        """`count` bytes, or fewer at the end of the stream."""
        end = self._position + count
        if end <= len(self._buffer):
            data = self._buffer[self._position : end]
            self._position = end
            return data
        parts = [self._buffer[self._position :]]
        need = end - len(self._buffer)
        self._buffer, self._position = b"", 0
        while need > 0:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            if len(chunk) > need:
                self._buffer, self._position = chunk, need
                chunk = chunk[:need]
            parts.append(chunk)
            need -= len(chunk)
        return b"".join(parts)


class TarReader:
    """Headers, then data on request, then the end; every refusal is one BadTarball line."""

    def __init__(self, chunks: Iterator[bytes], label: str) -> None:
        """Read the archive whose bytes `chunks` yields; `label` names it in refusals."""
        self._bytes = _Bytes(chunks)
        self._label = label
        self._count = 0
        self._pending: Header | None = None

    def _block(self) -> bytes:
        block = self._bytes.read(BLOCK)
        if len(block) != BLOCK:
            raise BadTarball(f"{self._label} is not a complete gzip tarball (it ends early)", TAR)
        return block

    def _header(self) -> Header | None:
        block = self._block()
        if is_end(block):
            return None
        self._count += 1
        return parse(block, self._label, self._count)

    def next(self) -> Entry | None:
        """The next member's header (its data not read yet), or None after the end blocks."""
        if self._pending is not None:
            raise RuntimeError("read the data of the previous member first")
        header = self._header()
        if header is None:
            self._finish()
            return None
        extended: tuple[tuple[str, str], ...] = ()
        if header.kind == PAX:
            extended = self._pax(header)
            header = self._header()
            if header is None or header.kind == PAX:
                raise BadTarball(f"{self._label} has a pax header that precedes no member", TAR)
        self._pending = header
        return Entry(header, extended)

    def _pax(self, header: Header) -> tuple[tuple[str, str], ...]:
        where = f"{self._label}: pax header {shown(header.name)}"
        if header.size > PAX_CAP:
            raise BadTarball(
                f"{where} is {size_text(header.size)}, over the {PAX_CAP}-byte cap for "
                "extended headers (refused before reading it)",
                TAR,
            )
        if not _PAX_NAME.fullmatch(header.name):
            raise BadTarball(f"{where} has an unusual name (not signed)", TAR)
        records = parse_pax(self._read_data(header.size))
        if records is None:
            raise BadTarball(f"{where} holds other records than times (not signed)", TAR)
        return records

    def data(self, keep: bool) -> tuple[str, bytes | None]:
        """The SHA-256 of the pending member's data, and the data itself when `keep`."""
        header = self._pending
        if header is None:
            raise RuntimeError("no member is pending")
        self._pending = None
        digest = hashlib.sha256()
        kept = self._read_data(header.size, digest, keep)
        return digest.hexdigest(), (kept if keep else None)

    def _read_data(self, size: int, digest: Any = None, keep: bool = True) -> bytes:
        """Read `size` bytes and their zero padding, feeding `digest`; the bytes if `keep`."""
        parts: list[bytes] = []
        left = size
        while left:
            chunk = self._bytes.read(min(left, _CHUNK))
            if not chunk:
                raise BadTarball(
                    f"{self._label} is not a complete gzip tarball (it ends early)", TAR
                )
            left -= len(chunk)
            if digest is not None:
                digest.update(chunk)
            if keep:
                parts.append(chunk)
        padding = self._bytes.read(-size % BLOCK)
        if len(padding) != -size % BLOCK:
            raise BadTarball(f"{self._label} is not a complete gzip tarball (it ends early)", TAR)
        if padding.count(0) != len(padding):
            raise BadTarball(
                f"{self._label} has data in the padding after member #{self._count} (not signed)",
                TAR,
            )
        return b"".join(parts)

    def _finish(self) -> None:
        """After the first end block only zeros may follow, up to the end of the stream."""
        read = 0
        while chunk := self._bytes.read(_CHUNK):
            if chunk.count(0) != len(chunk):
                raise BadTarball(
                    f"{self._label} has data after the end of its archive (not signed)", TAR
                )
            read += len(chunk)
            if read > TRAILING_CAP:
                raise BadTarball(
                    f"{self._label} has more than {size_text(TRAILING_CAP)} of padding after "
                    "the end of its archive",
                    TAR,
                )
