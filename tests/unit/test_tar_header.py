"""training.tarheader: one header block, every byte either checked or zero.

The oracles are independent of the code under test: Python's tarfile writes the good headers
and computes checksums (tarfile.calc_chksums); tests/tar_forge.py forges the bad ones field by
field.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from typing import Any

import pytest

from tests import tar_forge as forge
from training.refusal import TAR, BadTarball
from training.tarheader import FILE, FOLDER, PAX, checksum, is_end, octal, parse, text


def _tarfile_header(name: str, kind: bytes, fmt: Any, **fields: object) -> bytes:
    info = tarfile.TarInfo(name)
    info.type = kind
    for key, value in fields.items():
        setattr(info, key, value)
    return info.tobuf(format=fmt)[:512]


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_headers_python_writes_are_read_field_for_field(fmt: Any) -> None:
    block = _tarfile_header("m/a", tarfile.REGTYPE, fmt, size=1234, mode=0o640, mtime=1_700_000_000)
    header = parse(block, "t", 1)
    assert (header.name, header.kind, header.mode, header.size, header.mtime) == (
        "m/a",
        FILE,
        0o640,
        1234,
        1_700_000_000,
    )
    folder = parse(_tarfile_header("m", tarfile.DIRTYPE, fmt, mode=0o755), "t", 1)
    assert (folder.name, folder.kind, folder.mode, folder.size) == ("m/", FOLDER, 0o755, 0)


def test_a_gnu_header_owned_by_root_and_a_pax_header_are_read() -> None:
    gnu = forge.header("m/a", size=3, magic=b"ustar  \0", uname=b"root", gname=b"root")
    assert parse(gnu, "t", 1).size == 3
    pax = forge.header("././@PaxHeader", kind=b"x", size=30)
    assert parse(pax, "t", 1).kind == PAX
    widest = forge.header("m/a", mode=0o777, devmajor=b"0000000\0", devminor=b"0000000\0")
    assert parse(widest, "t", 1).mode == 0o777


def test_the_checksum_is_tars_own() -> None:
    for block in (
        _tarfile_header("m/a", tarfile.REGTYPE, tarfile.USTAR_FORMAT, size=5),
        forge.header("model/THEMODEL.pickle", size=99, mtime=123),
    ):
        assert checksum(block) == tarfile.calc_chksums(block)[0]  # type: ignore[attr-defined]
        assert octal(block[148:156]) == checksum(block)


def test_a_six_digit_checksum_is_read_whole() -> None:
    """High bytes push the sum past 0o77777: its first digit counts too."""
    block = forge.rewrite(forge.header("m/a"), name=b"\xff" * 99, linkname=b"\xff" * 100)
    assert checksum(block) > 0o77777
    with pytest.raises(BadTarball, match="not UTF-8"):
        parse(block, "t", 1)


def test_a_header_one_off_in_its_checksum_is_refused() -> None:
    block = bytearray(forge.header("m/a", size=3))
    block[148:156] = b"%06o\0 " % (checksum(bytes(block)) + 1)
    with pytest.raises(BadTarball, match="member #4 has a bad header checksum") as caught:
        parse(bytes(block), "t", 4)
    assert caught.value.check == TAR


def _with(**raw: bytes) -> bytes:
    return forge.rewrite(forge.header("m/a", size=3), **raw)


def _tail(offset: int) -> bytes:
    block = bytearray(forge.header("m/a", size=3))
    block[offset] = 1
    forge.seal_checksum(block)
    return bytes(block)


PLAIN = "; a model holds only plain files in one folder"
UNSIGNED = " (not signed)"
UNREAD = " (refused before reading it: member names must fit the tar header)"
REFUSED: dict[str, tuple[Callable[[], bytes], str]] = {
    "old magic": (
        lambda: _with(magic=b"ustar\x0001"),
        ": member #1 is not a ustar header" + UNSIGNED,
    ),
    "no magic": (
        lambda: _with(magic=b""),
        ": member #1 is not a ustar header" + UNSIGNED,
    ),
    "junk after the name": (
        lambda: _with(name=b"m/a\0evil"),
        ": member #1 has a name field with bytes after its end" + UNSIGNED,
    ),
    "empty name": (
        lambda: _with(name=b""),
        ": member #1 has an empty name" + UNSIGNED,
    ),
    "name not UTF-8": (
        lambda: _with(name=b"m/\xff"),
        ": member #1 has a name that is not UTF-8: b'm/\\xff'" + UNSIGNED,
    ),
    "hard link": (
        lambda: _with(type=b"1", linkname=b"m/b"),
        " has a link or device member: m/a is a hard link" + PLAIN,
    ),
    "symlink": (
        lambda: _with(type=b"2", linkname=b"/tmp/evil"),
        " has a link or device member: m/a is a symbolic link" + PLAIN,
    ),
    "symlink with junk in devmajor": (
        lambda: _with(type=b"2", linkname=b"/tmp/e", devmajor=b"junk"),
        " has a link or device member: m/a is a symbolic link" + PLAIN,
    ),
    "char device": (
        lambda: _with(type=b"3"),
        " has a link or device member: m/a is a character device" + PLAIN,
    ),
    "block device": (
        lambda: _with(type=b"4"),
        " has a link or device member: m/a is a block device" + PLAIN,
    ),
    "fifo": (
        lambda: _with(type=b"6"),
        " has a link or device member: m/a is a FIFO" + PLAIN,
    ),
    "contiguous": (
        lambda: _with(type=b"7"),
        " has a special member: m/a is a contiguous file" + PLAIN,
    ),
    "type NUL": (
        lambda: _with(type=b"\0"),
        " has a special member: m/a is an old-style file (type NUL)" + PLAIN,
    ),
    "global pax": (
        lambda: _with(type=b"g"),
        " has a special member: m/a is a global pax header" + PLAIN,
    ),
    "volume label": (
        lambda: _with(type=b"V"),
        " has a special member: m/a is a volume label" + PLAIN,
    ),
    "multi-volume": (
        lambda: _with(type=b"M"),
        " has a special member: m/a is a multi-volume continuation" + PLAIN,
    ),
    "unknown type": (
        lambda: _with(type=b"Z"),
        ": member m/a has an unknown type b'Z'" + UNSIGNED,
    ),
    "link target on a file": (
        lambda: _with(linkname=b"x"),
        ": member m/a has a link target, which a file or folder has not" + UNSIGNED,
    ),
    "setuid": (
        lambda: _with(mode=forge.number(0o4755, 8)),
        ": member m/a has mode 4755: setuid, setgid, sticky or type bits are not accepted"
        + UNSIGNED,
    ),
    "setgid": (
        lambda: _with(mode=forge.number(0o2755, 8)),
        ": member m/a has mode 2755: setuid, setgid, sticky or type bits are not accepted"
        + UNSIGNED,
    ),
    "sticky": (
        lambda: _with(mode=forge.number(0o1755, 8)),
        ": member m/a has mode 1755: setuid, setgid, sticky or type bits are not accepted"
        + UNSIGNED,
    ),
    "setuid and setgid 6777": (
        lambda: _with(mode=forge.number(0o6777, 8)),
        ": member m/a has mode 6777: setuid, setgid, sticky or type bits are not accepted"
        + UNSIGNED,
    ),
    "type bits in the mode": (
        lambda: _with(mode=forge.number(0o100644, 8)),
        ": member m/a has mode 100644: setuid, setgid, sticky or type bits are not accepted"
        + UNSIGNED,
    ),
    "mode with a digit past the permissions": (
        lambda: _with(mode=b"1000644\0"),
        ": member m/a has mode 1000644: setuid, setgid, sticky or type bits are not accepted"
        + UNSIGNED,
    ),
    "uid 0o1000000": (
        lambda: _with(uid=b"1000000\0"),
        ": member m/a has an owner uid other than 0" + UNSIGNED,
    ),
    "gid 0o1000000": (
        lambda: _with(gid=b"1000000\0"),
        ": member m/a has a group gid other than 0" + UNSIGNED,
    ),
    "devmajor 0o1000000": (
        lambda: _with(devmajor=b"1000000\0"),
        ": member m/a has a device major number other than 0" + UNSIGNED,
    ),
    "devminor 0o1000000": (
        lambda: _with(devminor=b"1000000\0"),
        ": member m/a has a device minor number other than 0" + UNSIGNED,
    ),
    "GNU long name of 1 GiB": (
        lambda: _with(type=b"L", size=b"10000000000\0"),
        ": member m/a is a GNU long-name header of 1024 MiB" + UNREAD,
    ),
    "GNU long name of an unreadable size": (
        lambda: _with(type=b"L", size=b"junk"),
        ": member m/a is a GNU long-name header of an unreadable size" + UNREAD,
    ),
    "mode not octal": (
        lambda: _with(mode=b"0000648\0"),
        ": member m/a has a mode field that is not a plain octal number" + UNSIGNED,
    ),
    "uid 1": (
        lambda: _with(uid=forge.number(1, 8)),
        ": member m/a has an owner uid other than 0" + UNSIGNED,
    ),
    "uid 65534": (
        lambda: _with(uid=forge.number(65534, 8)),
        ": member m/a has an owner uid other than 0" + UNSIGNED,
    ),
    "gid 1": (
        lambda: _with(gid=forge.number(1, 8)),
        ": member m/a has a group gid other than 0" + UNSIGNED,
    ),
    "uid empty": (
        lambda: _with(uid=b""),
        ": member m/a has an owner uid other than 0" + UNSIGNED,
    ),
    "owner nobody": (
        lambda: _with(uname=b"nobody"),
        ": member m/a has an owner name other than root" + UNSIGNED,
    ),
    "group staff": (
        lambda: _with(gname=b"staff"),
        ": member m/a has a group name other than root" + UNSIGNED,
    ),
    "junk after the owner name": (
        lambda: _with(uname=b"root\0x"),
        ": member m/a has an owner name other than root" + UNSIGNED,
    ),
    "devmajor junk": (
        lambda: _with(devmajor=b"junk"),
        ": member m/a has a device major number other than 0" + UNSIGNED,
    ),
    "devmajor 1": (
        lambda: _with(devmajor=forge.number(1, 8)),
        ": member m/a has a device major number other than 0" + UNSIGNED,
    ),
    "devminor junk": (
        lambda: _with(devminor=b"junk"),
        ": member m/a has a device minor number other than 0" + UNSIGNED,
    ),
    "devminor 1": (
        lambda: _with(devminor=forge.number(1, 8)),
        ": member m/a has a device minor number other than 0" + UNSIGNED,
    ),
    "byte 345 set": (
        lambda: _tail(345),
        ": member m/a has data in the header's unused bytes" + UNSIGNED,
    ),
    "byte 511 set": (
        lambda: _tail(511),
        ": member m/a has data in the header's unused bytes" + UNSIGNED,
    ),
    "size not octal": (
        lambda: _with(size=b"12x\0"),
        ": member m/a has a size field that is not a plain octal number" + UNSIGNED,
    ),
    "size with a leading space": (
        lambda: _with(size=b" 0000000003\0"),
        ": member m/a has a size field that is not a plain octal number" + UNSIGNED,
    ),
    "size in base-256": (
        lambda: _with(size=b"\x80" + bytes(10) + b"\x03"),
        ": member m/a has a size field that is not a plain octal number" + UNSIGNED,
    ),
    "mtime not octal": (
        lambda: _with(mtime=b"yesterday"),
        ": member m/a has an mtime field that is not a plain octal number" + UNSIGNED,
    ),
    "mtime empty": (
        lambda: _with(mtime=b""),
        ": member m/a has an mtime field that is not a plain octal number" + UNSIGNED,
    ),
    "folder with data": (
        lambda: forge.header("m/", kind=b"5", size=10),
        ": member m/ is a folder with 10 bytes of data" + UNSIGNED,
    ),
    "GNU long name": (
        lambda: _with(type=b"L", size=forge.number(600 << 20, 12)),
        ": member m/a is a GNU long-name header of 600 MiB" + UNREAD,
    ),
    "GNU long link": (
        lambda: _with(type=b"K"),
        ": member m/a is a GNU long-name header of 3 bytes" + UNREAD,
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_field_no_plain_file_has_is_refused_naming_it(
    case: str, bad_input: Callable[[str], None]
) -> None:
    make, expected = REFUSED[case]
    with pytest.raises(BadTarball) as caught:
        parse(make(), "evil.tar.gz", 1)
    assert str(caught.value) == "evil.tar.gz" + expected
    assert caught.value.check == TAR
    bad_input(f"tar header: {case}")


def _sparse(realsize: bytes, byte_495: int = 0) -> bytes:
    """A GNU sparse header whose realsize field (bytes 483-494) holds `realsize`."""
    block = bytearray(forge.header("m/sparse.bin", kind=b"S", size=0, magic=b"ustar  \0"))
    block[483:495] = realsize.ljust(12, b"\0")
    block[495] = byte_495
    forge.seal_checksum(block)
    return bytes(block)


SPARSE = "t: member m/sparse.bin is a GNU sparse file that unpacks to {} (refused without "
SPARSE += "unpacking: a model holds only plain files)"


def test_a_gnu_sparse_header_says_what_it_would_unpack_to(
    bad_input: Callable[[str], None],
) -> None:
    for block, size in (
        (_sparse(forge.number(3 << 29, 12)), "1536 MiB"),
        (_sparse(forge.number(3 << 29, 12), byte_495=ord("7")), "1536 MiB"),  # the next field
        (_sparse(b"junk"), "an unreadable size"),
    ):
        assert len(block) == 512
        with pytest.raises(BadTarball) as caught:
            parse(block, "t", 1)
        assert str(caught.value) == SPARSE.format(size)
    bad_input("tar header: GNU sparse member")


def test_a_refusal_shows_a_name_with_terminal_escapes_escaped() -> None:
    with pytest.raises(BadTarball) as caught:
        parse(forge.header("m/\x1b]52;c;ZXZpbA==\x07", type=b"2"), "t", 1)
    message = str(caught.value)
    assert "\x1b" not in message and "\x07" not in message and "\\x1b]52" in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (b"0000644\0", 0o644),
        (b"644 \0\0\0\0", 0o644),
        (b"0000644 ", 0o644),
        (b"7\0", 7),
        (b"00000000000\0", 0),
        (b"77777777777\0", 0o77777777777),
        (b"777777777777", 0o777777777777),
    ],
)
def test_octal_reads_what_tar_writes(field: bytes, value: int) -> None:
    assert octal(field) == value


@pytest.mark.parametrize(
    "field",
    [
        b"",
        b"\0" * 8,
        b" " * 8,
        b"0000644X",
        b"8\0",
        b"64\x004\0",
        b" 644\0",
        b"0o644\0",
        b"\x80\0\0\0\x01",
        b"-1\0",
    ],
)
def test_octal_refuses_everything_else(field: bytes) -> None:
    assert octal(field) is None


def test_text_ends_at_its_nul_and_refuses_what_follows() -> None:
    assert text(b"root\0\0\0") == b"root"
    assert text(b"root") == b"root"
    assert text(b"\0" * 4) == b""
    assert text(b"root\0x\0") is None


def test_only_a_block_of_zeros_ends_the_archive() -> None:
    assert is_end(bytes(512))
    for position in (0, 511):
        block = bytearray(512)
        block[position] = 1
        assert not is_end(bytes(block))
    assert not is_end(bytes(511))


def test_python_tarfile_stops_silently_at_a_forged_header() -> None:
    """The control for the attack tests: Python's tarfile does not refuse these."""
    archive = io.BytesIO(
        forge.folder("m/")
        + forge.header("m/evil", kind=b"2", linkname=b"/tmp/x", devmajor=b"junk")
        + forge.end()
    )
    with tarfile.open(fileobj=archive) as reader:
        assert reader.getnames() == ["m"], "tarfile stops silently at the forged symlink"
