"""One tar header block, read strictly: every byte is either a field we check or zero.

Python's tarfile stops silently at a header it cannot parse and ignores fields it has no use
for (devmajor of a symlink, linkname of a file, bytes after a name's NUL); GNU tar reads on and
acts on them. So every field here must hold exactly what a plain file or folder has: a checksum
that matches, the ustar magic, numbers in plain octal, no link target, owner root (0, "" or
"root"), device numbers zero, permissions without setuid, setgid or sticky bits, and zeros from
byte 345 on. Anything else is refused, naming the member and the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from training.refusal import TAR, BadTarball, shown, size_text

BLOCK = 512
MAGICS = (b"ustar\x0000", b"ustar  \x00")  # POSIX ustar, GNU
OWNER_NAMES = (b"", b"root")
PERMISSIONS = 0o777  # no setuid, setgid or sticky bit, no file type bits
FILE, FOLDER, PAX = "file", "folder", "pax"
_KINDS = {b"0": FILE, b"5": FOLDER, b"x": PAX}
_LINKS_AND_DEVICES = {
    b"1": "a hard link",
    b"2": "a symbolic link",
    b"3": "a character device",
    b"4": "a block device",
    b"6": "a FIFO",
}
_SPECIAL_KINDS = {
    b"7": "a contiguous file",
    b"\0": "an old-style file (type NUL)",
    b"g": "a global pax header",
    b"V": "a volume label",
    b"M": "a multi-volume continuation",
}
_OCTAL = frozenset(b"01234567")


@dataclass(frozen=True)
class Header:
    """What one header block says, once every field has passed."""

    name: str
    kind: str  # FILE, FOLDER or PAX
    mode: int
    size: int
    mtime: int


def is_end(block: bytes) -> bool:
    """A block of zeros marks the end of the archive."""
    return block.count(0) == BLOCK


def checksum(block: bytes) -> int:
    """The unsigned sum of the header bytes, its own field counted as spaces."""
    return sum(block[:148]) + 8 * 32 + sum(block[156:BLOCK])


def octal(field: bytes) -> int | None:
    """The number in a numeric field: octal digits, then only NUL or space; None if not so.

    A field of terminators alone is None too: a field must say its number.
    """
    digits = field.rstrip(b"\0 ")
    if not digits or not _OCTAL.issuperset(digits):
        return None
    return int(digits, 8)


def text(field: bytes) -> bytes | None:
    """A NUL-terminated field's bytes, or None when anything but NULs follows the first NUL."""
    value, _, rest = field.partition(b"\0")
    return value if rest.count(0) == len(rest) else None


class _Fields:
    """Reads the fields of one block, refusing in one line naming the member and the field."""

    def __init__(self, block: bytes, label: str, number: int) -> None:
        self.block = block
        self.label = label
        self.where = f"member #{number}"

    def refuse(self, why: str) -> BadTarball:
        return BadTarball(f"{self.label}: {self.where} {why} (not signed)", TAR)

    def number(self, start: int, end: int, what: str) -> int:
        value = octal(self.block[start:end])
        if value is None:
            raise self.refuse(f"has {what} field that is not a plain octal number")
        return value

    def zero(self, start: int, end: int, what: str, *, empty_ok: bool = False) -> None:
        field = self.block[start:end]
        if empty_ok and field.count(0) == len(field):
            return
        if octal(field) != 0:
            raise self.refuse(f"has {what} other than 0")


def parse(block: bytes, label: str, number: int) -> Header:
    """The header in `block` (not an end block), or BadTarball saying which field is wrong."""
    fields = _Fields(block, label, number)
    if octal(block[148:156]) != checksum(block):
        raise fields.refuse("has a bad header checksum: the archive is damaged or forged")
    if block[257:265] not in MAGICS:
        raise fields.refuse("is not a ustar header")
    raw_name = text(block[:100])
    if raw_name is None:
        raise fields.refuse("has a name field with bytes after its end")
    if not raw_name:
        raise fields.refuse("has an empty name")
    try:
        name = raw_name.decode("utf-8")
    except UnicodeDecodeError:
        raise fields.refuse(f"has a name that is not UTF-8: {shown(repr(raw_name))}") from None
    fields.where = f"member {shown(name)}"
    kind_byte = block[156:157]
    if kind_byte in (b"L", b"K", b"S"):
        _refuse_gnu_extension(fields, kind_byte, block)
    if kind_byte in _LINKS_AND_DEVICES:
        raise BadTarball(
            f"{label} has a link or device member: {shown(name)} is "
            f"{_LINKS_AND_DEVICES[kind_byte]}; a model holds only plain files in one folder",
            TAR,
        )
    if kind_byte in _SPECIAL_KINDS:
        raise BadTarball(
            f"{label} has a special member: {shown(name)} is {_SPECIAL_KINDS[kind_byte]}; a "
            "model holds only plain files in one folder",
            TAR,
        )
    kind = _KINDS.get(kind_byte)
    if kind is None:
        raise fields.refuse(f"has an unknown type {kind_byte!r}")
    if block[157:257].count(0) != 100:
        raise fields.refuse("has a link target, which a file or folder has not")
    mode = fields.number(100, 108, "a mode")
    if mode & ~PERMISSIONS:
        raise fields.refuse(
            f"has mode {mode:o}: setuid, setgid, sticky or type bits are not accepted"
        )
    fields.zero(108, 116, "an owner uid")
    fields.zero(116, 124, "a group gid")
    for start, what in ((265, "an owner name"), (297, "a group name")):
        if text(block[start : start + 32]) not in OWNER_NAMES:
            raise fields.refuse(f"has {what} other than root")
    fields.zero(329, 337, "a device major number", empty_ok=True)
    fields.zero(337, 345, "a device minor number", empty_ok=True)
    if block[345:BLOCK].count(0) != BLOCK - 345:
        raise fields.refuse("has data in the header's unused bytes")
    size = fields.number(124, 136, "a size")
    if kind == FOLDER and size:
        raise fields.refuse(f"is a folder with {size_text(size)} of data")
    return Header(name, kind, mode, size, fields.number(136, 148, "an mtime"))


def _refuse_gnu_extension(fields: _Fields, kind: bytes, block: bytes) -> None:
    """GNU long names and sparse files are refused from the header, before any of their data."""
    size = octal(block[124:136])
    stored = size_text(size) if size is not None else "an unreadable size"
    if kind == b"S":
        real = octal(block[483:495])
        unpacked = size_text(real) if real is not None else "an unreadable size"
        raise BadTarball(
            f"{fields.label}: {fields.where} is a GNU sparse file that unpacks to {unpacked} "
            "(refused without unpacking: a model holds only plain files)",
            TAR,
        )
    raise BadTarball(
        f"{fields.label}: {fields.where} is a GNU long-name header of {stored} "
        "(refused before reading it: member names must fit the tar header)",
        TAR,
    )
