"""A gzip file read our own way: one member, its CRC and length checked, only zeros after it.

Python's gzip module and GNU gzip read on into further gzip members, skip the header's extra
field and comment, and ignore what follows; none of that is signed. Here the header may carry a
plain file name (Python's tarfile writes one) and nothing else, and after the single member only
zero padding may follow. Output comes in bounded chunks, so a deflate bomb is never held whole.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from training.refusal import GZIP, BadTarball

CHUNK = 64 * 1024
FNAME = 0x08  # the only header flag accepted
NAME_CAP = 255
_SAFE_NAME = re.compile(rb"[A-Za-z0-9._-]+")


def _refuse(label: str, why: str) -> BadTarball:
    return BadTarball(f"{label} is not a complete gzip tarball ({why})", GZIP)


def _read_up_to(raw: BinaryIO, count: int) -> bytes:
    """`count` bytes, or fewer only at the end of `raw` (which may return short reads)."""
    data = b""
    while len(data) < count and (more := raw.read(count - len(data))):
        data += more
    return data


def _read_exactly(raw: BinaryIO, count: int, label: str) -> bytes:
    data = _read_up_to(raw, count)
    if len(data) != count:
        raise _refuse(label, "it ends early")
    return data


def _read_header(raw: BinaryIO, label: str) -> None:
    header = _read_up_to(raw, 10)
    if header[:2] != b"\x1f\x8b":
        raise _refuse(label, "it does not start with a gzip header")
    if len(header) < 10:
        raise _refuse(label, "it ends early")
    if header[2] != 8:
        raise _refuse(label, f"compression method {header[2]}, not deflate")
    flags = header[3]
    if flags & ~FNAME:
        raise BadTarball(
            f"{label}: the gzip header carries fields no signature covers (flags 0x{flags:02x})",
            GZIP,
        )
    if flags & FNAME:
        name = b""
        while (byte := _read_exactly(raw, 1, label)) != b"\0":
            name += byte
            if len(name) > NAME_CAP:
                raise BadTarball(f"{label}: the gzip header's file name is over 255 bytes", GZIP)
        if not _SAFE_NAME.fullmatch(name):
            raise BadTarball(
                f"{label}: the gzip header's file name holds other characters than "
                "A-Z a-z 0-9 . _ -",
                GZIP,
            )


def _check_trailer(raw: BinaryIO, rest: bytes, crc: int, size: int, label: str) -> None:
    rest += _read_up_to(raw, 8 - len(rest))
    if len(rest) < 8:
        raise _refuse(label, "it ends early")
    expected_crc, expected_size = struct.unpack("<II", rest[:8])
    if expected_crc != crc:
        raise _refuse(label, "its CRC does not match: the compressed data was changed")
    if expected_size != size & 0xFFFFFFFF:
        raise _refuse(label, "its recorded length does not match")
    tail = rest[8:]
    while True:
        if tail.count(0) != len(tail):
            raise BadTarball(f"{label} has data after the end of its archive (not signed)", GZIP)
        tail = raw.read(CHUNK)
        if not tail:
            return


def gunzip(raw: BinaryIO, label: str) -> Iterator[bytes]:
    """The decompressed bytes of `raw`, in chunks of at most CHUNK; BadTarball when refused.

    The CRC, the length and the trailing bytes are checked when the member's end is read, so a
    caller that reads to the end has had all of them checked.
    """
    _read_header(raw, label)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    crc = size = 0
    while not inflater.eof:
        data = inflater.unconsumed_tail or raw.read(CHUNK)
        try:
            # With no input left, this still drains output zlib holds back for max_length.
            out = inflater.decompress(data, CHUNK)
        except zlib.error as exc:
            raise _refuse(label, f"bad deflate data: {exc}") from exc
        if not (data or out or inflater.eof):
            raise _refuse(label, "it ends early")
        crc = zlib.crc32(out, crc)
        size += len(out)
        if out:
            yield out
    _check_trailer(raw, inflater.unused_data, crc, size, label)
