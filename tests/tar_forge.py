"""Tar archives forged byte by byte, for the attacks a library writer would not produce.

Every header is built field by field (ustar layout) with a correct checksum unless asked
otherwise; `patch` rewrites fields of one member of an existing archive. Used by the unit tests
of the strict reader and by the attack tests on real models and real GNU tar.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass

BLOCK = 512
RECORD = 20 * BLOCK
_FIELDS = {  # name: (offset, length)
    "name": (0, 100),
    "mode": (100, 8),
    "uid": (108, 8),
    "gid": (116, 8),
    "size": (124, 12),
    "mtime": (136, 12),
    "chksum": (148, 8),
    "type": (156, 1),
    "linkname": (157, 100),
    "magic": (257, 8),
    "uname": (265, 32),
    "gname": (297, 32),
    "devmajor": (329, 8),
    "devminor": (337, 8),
    "prefix": (345, 155),
}


def number(value: int, length: int) -> bytes:
    """`value` as tar writes it: zero-padded octal and a NUL."""
    return b"%0*o\0" % (length - 1, value)


def set_field(block: bytearray, field: str, value: bytes) -> None:
    """Write `value` (NUL-padded) into `field` of `block`."""
    offset, length = _FIELDS[field]
    if len(value) > length:
        raise ValueError(f"{field} takes {length} bytes, not {len(value)}")
    block[offset : offset + length] = value.ljust(length, b"\0")


def seal_checksum(block: bytearray) -> None:
    """Recompute the checksum of `block` (unsigned, as tar writes it)."""
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)


def header(
    name: str | bytes,
    *,
    kind: bytes = b"0",
    size: int = 0,
    mode: int = 0o644,
    mtime: int = 0,
    **raw: bytes,
) -> bytes:
    """One header block; `raw` sets any field to exact bytes (e.g. devmajor=b"junk")."""
    block = bytearray(BLOCK)
    set_field(block, "name", name.encode() if isinstance(name, str) else name)
    set_field(block, "mode", number(mode, 8))
    set_field(block, "uid", number(0, 8))
    set_field(block, "gid", number(0, 8))
    set_field(block, "size", number(size, 12))
    set_field(block, "mtime", number(mtime, 12))
    set_field(block, "type", kind)
    set_field(block, "magic", b"ustar\x0000")
    for field, value in raw.items():
        set_field(block, field, value)
    seal_checksum(block)
    return bytes(block)


def rewrite(block: bytes, **fields: bytes) -> bytes:
    """`block` with `fields` set to exact bytes, its checksum recomputed."""
    changed = bytearray(block)
    for field, value in fields.items():
        set_field(changed, field, value)
    seal_checksum(changed)
    return bytes(changed)


def padded(data: bytes) -> bytes:
    """`data` and the zeros that fill its last block."""
    return data + bytes(-len(data) % BLOCK)


def member(name: str, data: bytes = b"", **fields: object) -> bytes:
    """A file member: its header, its data and padding."""
    return header(name, size=len(data), **fields) + padded(data)  # type: ignore[arg-type]


def folder(name: str, **fields: object) -> bytes:
    """A folder member."""
    return header(name, kind=b"5", mode=0o755, **fields)  # type: ignore[arg-type]


def end() -> bytes:
    """The end-of-archive blocks, padded to a 10 KiB record as tar does."""
    return bytes(RECORD)


def pax(records: dict[str, str], name: str = "././@PaxHeader") -> bytes:
    """A pax extended header carrying `records`."""
    body = b""
    for key, value in records.items():
        line = f" {key}={value}\n".encode()
        length = len(line) + 1
        while len(str(length)) + len(line) != length:
            length += 1
        body += str(length).encode() + line
    return header(name, kind=b"x", size=len(body)) + padded(body)


@dataclass(frozen=True)
class Entry:
    """One member of an archive: where its header is, and its name."""

    offset: int
    name: str
    size: int


def entries(archive: bytes) -> list[Entry]:
    """The members of a plain (uncompressed) archive, up to its end block."""
    found = []
    offset = 0
    while archive[offset : offset + BLOCK].strip(b"\0"):
        block = archive[offset : offset + BLOCK]
        size = int(block[124:136].rstrip(b"\0 ") or b"0", 8)
        found.append(Entry(offset, block[:100].rstrip(b"\0").decode(), size))
        offset += BLOCK + size + (-size % BLOCK)
    return found


def body(archive: bytes) -> bytes:
    """`archive` without its end blocks: members can be appended."""
    last = entries(archive)[-1]
    return archive[: last.offset + BLOCK + last.size + (-last.size % BLOCK)]


def find(archive: bytes, suffix: str) -> Entry:
    """The member whose name ends with `suffix`."""
    return next(e for e in entries(archive) if e.name.endswith(suffix))


def patch(archive: bytes, suffix: str, **fields: bytes) -> bytes:
    """`archive` with fields of the member named `...suffix` rewritten, checksum fixed."""
    entry = find(archive, suffix)
    block = bytearray(archive[entry.offset : entry.offset + BLOCK])
    for field, value in fields.items():
        set_field(block, field, value)
    seal_checksum(block)
    return archive[: entry.offset] + bytes(block) + archive[entry.offset + BLOCK :]


def insert_before(archive: bytes, suffix: str, blocks: bytes) -> bytes:
    """`archive` with `blocks` inserted just before the header of member `...suffix`."""
    entry = find(archive, suffix)
    return archive[: entry.offset] + blocks + archive[entry.offset :]


def unpack(tarball: bytes) -> bytes:
    """The plain archive inside a gzip tarball."""
    return gzip.decompress(tarball)


def pack(archive: bytes) -> bytes:
    """`archive` gzipped (no file name in the gzip header)."""
    return gzip.compress(archive, mtime=0)


def pack_with_big_member(
    before: bytes, kind: bytes, head: bytes, size: int, tail: bytes, after: bytes
) -> bytes:
    """A gzip tarball: `before`, then a `kind` member of `size` bytes (`head`, "A"s, `tail`),
    then `after`.

    Written in pieces at compression level 1, so hundreds of MB take a second and a few MB.
    """
    name = "././@PaxHeader" if kind == b"x" else "././@LongLink"
    filler = size - len(head) - len(tail)
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=1) as packed:
        packed.write(before + header(name, kind=kind, size=size) + head)
        piece = b"A" * (1 << 20)
        for _ in range(filler >> 20):
            packed.write(piece)
        packed.write(b"A" * (filler % (1 << 20)) + tail + bytes(-size % BLOCK) + after)
    return out.getvalue()
