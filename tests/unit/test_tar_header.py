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


REFUSED: dict[str, tuple[Callable[[], bytes], str]] = {
    "old magic": (lambda: _with(magic=b"ustar\x0001"), "not a ustar header"),
    "no magic": (lambda: _with(magic=b""), "not a ustar header"),
    "junk after the name": (lambda: _with(name=b"m/a\0evil"), "bytes after its end"),
    "empty name": (lambda: _with(name=b""), "empty name"),
    "name not UTF-8": (lambda: _with(name=b"m/\xff"), "not UTF-8"),
    "hard link": (lambda: _with(type=b"1", linkname=b"m/b"), "a hard link"),
    "symlink": (lambda: _with(type=b"2", linkname=b"/tmp/evil"), "a symbolic link"),
    "symlink with junk in devmajor": (
        lambda: _with(type=b"2", linkname=b"/tmp/e", devmajor=b"junk"),
        "a symbolic link",
    ),
    "char device": (lambda: _with(type=b"3"), "a character device"),
    "block device": (lambda: _with(type=b"4"), "a block device"),
    "fifo": (lambda: _with(type=b"6"), "a FIFO"),
    "contiguous": (lambda: _with(type=b"7"), "a contiguous file"),
    "type NUL": (lambda: _with(type=b"\0"), "type NUL"),
    "global pax": (lambda: _with(type=b"g"), "a global pax header"),
    "volume label": (lambda: _with(type=b"V"), "a volume label"),
    "multi-volume": (lambda: _with(type=b"M"), "a multi-volume"),
    "unknown type": (lambda: _with(type=b"Z"), "unknown type b'Z'"),
    "link target on a file": (lambda: _with(linkname=b"x"), "has a link target"),
    "setuid": (lambda: _with(mode=forge.number(0o4755, 8)), "mode 4755"),
    "setgid": (lambda: _with(mode=forge.number(0o2755, 8)), "mode 2755"),
    "sticky": (lambda: _with(mode=forge.number(0o1755, 8)), "mode 1755"),
    "setuid and setgid 6777": (lambda: _with(mode=forge.number(0o6777, 8)), "mode 6777"),
    "type bits in the mode": (lambda: _with(mode=forge.number(0o100644, 8)), "mode 100644"),
    "mode not octal": (lambda: _with(mode=b"0000648\0"), "mode field"),
    "uid 1": (lambda: _with(uid=forge.number(1, 8)), "an owner uid other than 0"),
    "uid 65534": (lambda: _with(uid=forge.number(65534, 8)), "an owner uid other than 0"),
    "gid 1": (lambda: _with(gid=forge.number(1, 8)), "a group gid other than 0"),
    "uid empty": (lambda: _with(uid=b""), "an owner uid other than 0"),
    "owner nobody": (lambda: _with(uname=b"nobody"), "an owner name other than root"),
    "group staff": (lambda: _with(gname=b"staff"), "a group name other than root"),
    "junk after the owner name": (lambda: _with(uname=b"root\0x"), "owner name"),
    "devmajor junk": (lambda: _with(devmajor=b"junk"), "a device major number other than 0"),
    "devmajor 1": (lambda: _with(devmajor=forge.number(1, 8)), "device major number"),
    "devminor junk": (lambda: _with(devminor=b"junk"), "a device minor number other than 0"),
    "devminor 1": (lambda: _with(devminor=forge.number(1, 8)), "device minor number"),
    "byte 345 set": (lambda: _tail(345), "unused bytes"),
    "byte 511 set": (lambda: _tail(511), "unused bytes"),
    "size not octal": (lambda: _with(size=b"12x\0"), "size field"),
    "size with a leading space": (lambda: _with(size=b" 0000000003\0"), "size field"),
    "size in base-256": (lambda: _with(size=b"\x80" + bytes(10) + b"\x03"), "size field"),
    "mtime not octal": (lambda: _with(mtime=b"yesterday"), "mtime field"),
    "mtime empty": (lambda: _with(mtime=b""), "mtime field"),
    "folder with data": (
        lambda: forge.header("m/", kind=b"5", size=10),
        "is a folder with 10 bytes of data",
    ),
    "GNU long name": (lambda: _with(type=b"L", size=forge.number(600 << 20, 12)), "600 MiB"),
    "GNU long link": (lambda: _with(type=b"K"), "GNU long-name header of 3 bytes"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_field_no_plain_file_has_is_refused_naming_it(
    case: str, bad_input: Callable[[str], None]
) -> None:
    make, fragment = REFUSED[case]
    with pytest.raises(BadTarball) as caught:
        parse(make(), "evil.tar.gz", 1)
    message = str(caught.value)
    assert fragment in message, message
    assert message.startswith("evil.tar.gz") and "\n" not in message
    assert caught.value.check == TAR
    bad_input(f"tar header: {case}")


def test_a_gnu_sparse_header_says_what_it_would_unpack_to(bad_input: Callable[[str], None]) -> None:
    block = bytearray(forge.header("m/sparse.bin", kind=b"S", size=0, magic=b"ustar  \0"))
    block[483:495] = forge.number(3 << 29, 12)  # realsize: 1.5 GiB
    forge.seal_checksum(block)
    with pytest.raises(BadTarball, match="sparse file that unpacks to 1536 MiB") as caught:
        parse(bytes(block), "t", 1)
    assert "without unpacking" in str(caught.value)
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
