"""training.gzipstream: one gzip member, checked to its last byte, read in bounded chunks.

The gzip files come from Python's gzip module and zlib, the bad ones edited byte by byte.
"""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from collections.abc import Callable

import pytest

from training.gzipstream import CHUNK, gunzip
from training.refusal import GZIP, BadTarball


def _read(data: bytes) -> bytes:
    return b"".join(gunzip(io.BytesIO(data), "t.tar.gz"))


def _refusal(data: bytes) -> BadTarball:
    with pytest.raises(BadTarball) as caught:
        _read(data)
    assert caught.value.check == GZIP
    assert "\n" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize("size", [0, 1, 511, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 7])
def test_what_gzip_wrote_is_read_back_whole(size: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    assert _read(gzip.compress(data)) == data


def test_a_bomb_comes_out_in_bounded_chunks() -> None:
    zeros = 16 * 1024 * 1024
    packed = gzip.compress(bytes(zeros), compresslevel=9)
    assert len(packed) < zeros // 500
    sizes = [len(chunk) for chunk in gunzip(io.BytesIO(packed), "t")]
    assert sum(sizes) == zeros and max(sizes) <= CHUNK


def test_a_file_name_in_the_header_is_accepted_when_plain() -> None:
    out = io.BytesIO()
    with gzip.GzipFile(filename="model.tar", mode="wb", fileobj=out, mtime=0) as packed:
        packed.write(b"data")
    assert out.getvalue()[3] == 0x08
    assert _read(out.getvalue()) == b"data"


def _header(flags: int, extra: bytes = b"") -> bytes:
    return b"\x1f\x8b\x08" + bytes([flags]) + bytes(6) + extra


def _body(data: bytes = b"data") -> bytes:
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return raw.compress(data) + raw.flush() + struct.pack("<II", zlib.crc32(data), len(data))


def _with_trailer(edit: Callable[[bytearray], None]) -> bytes:
    data = bytearray(gzip.compress(b"some data " * 100))
    edit(data)
    return bytes(data)


def _flip(position: int) -> Callable[[bytearray], None]:
    def edit(data: bytearray) -> None:
        data[position] ^= 0x01

    return edit


INCOMPLETE = "t.tar.gz is not a complete gzip tarball "
EARLY = INCOMPLETE + "(it ends early)"
NO_HEADER = INCOMPLETE + "(it does not start with a gzip header)"
FIELDS = "t.tar.gz: the gzip header carries fields no signature covers "
NAME = "t.tar.gz: the gzip header's file name holds other characters than A-Z a-z 0-9 . _ -"
AFTER = "t.tar.gz has data after the end of its archive (not signed)"
BAD: dict[str, tuple[bytes, str]] = {
    "empty": (b"", NO_HEADER),
    "text": (b"hello, world\n" * 10, NO_HEADER),
    "magic only": (b"\x1f\x8b", EARLY),
    "nine header bytes": (b"\x1f\x8b\x08\0\0\0\0\0\0", EARLY),
    "not deflate": (
        b"\x1f\x8b\x07" + bytes(7) + _body()[:-8],
        INCOMPLETE + "(compression method 7, not deflate)",
    ),
    "FTEXT": (_header(0x01) + _body(), FIELDS + "(flags 0x01)"),
    "FHCRC": (_header(0x02, b"\0\0") + _body(), FIELDS + "(flags 0x02)"),
    "FEXTRA": (_header(0x04, b"\x04\0junk") + _body(), FIELDS + "(flags 0x04)"),
    "FCOMMENT": (_header(0x10, b"a comment\0") + _body(), FIELDS + "(flags 0x10)"),
    "FNAME and FCOMMENT": (_header(0x18, b"a\0c\0") + _body(), FIELDS + "(flags 0x18)"),
    "reserved flag": (_header(0x20) + _body(), FIELDS + "(flags 0x20)"),
    "name with a slash": (_header(0x08, b"../x\0") + _body(), NAME),
    "name with an escape": (_header(0x08, b"\x1b]0;x\x07\0") + _body(), NAME),
    "empty name": (_header(0x08, b"\0") + _body(), NAME),
    "name over 255 bytes": (
        _header(0x08, b"a" * 256 + b"\0") + _body(),
        "t.tar.gz: the gzip header's file name is over 255 bytes",
    ),
    "name never ends": (_header(0x08, b"abc"), EARLY),
    "bad deflate": (
        _header(0) + b"\xff\xff\xff\xff" + bytes(20),
        INCOMPLETE + "(bad deflate data: Error -3 while decompressing data: invalid block type)",
    ),
    "deflate cut short": (gzip.compress(b"x" * 5000)[:-20], EARLY),
    "trailer cut short": (gzip.compress(b"x" * 5000)[:-3], EARLY),
    "CRC changed": (
        _with_trailer(_flip(-8)),
        INCOMPLETE + "(its CRC does not match: the compressed data was changed)",
    ),
    "length changed": (
        _with_trailer(_flip(-4)),
        INCOMPLETE + "(its recorded length does not match)",
    ),
    "second gzip member": (gzip.compress(b"a") + gzip.compress(b"b"), AFTER),
    "text after the member": (gzip.compress(b"a") + b"\0\0tail", AFTER),
    "one byte after the member": (gzip.compress(b"a") + b"\x01", AFTER),
    "a byte after chunks of zeros": (gzip.compress(b"a") + bytes(3 * CHUNK) + b"x", AFTER),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_what_no_signature_covers_is_refused_in_one_line(
    case: str, bad_input: Callable[[str], None]
) -> None:
    data, expected = BAD[case]
    assert str(_refusal(data)) == expected
    bad_input(f"gzip: {case}")


class _Trickle(io.RawIOBase):
    """A reader that returns at most a few bytes a read, as a pipe may."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)
        self.reads = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        return self.data.read(min(size, 1 + self.reads % 5) if size >= 0 else 5)


def test_short_reads_are_read_on_to_the_end() -> None:
    data = bytes(range(256)) * 40
    for packed in (_header(0x08, b"model.tar\0") + _body(data), _header(0) + _body(data)):
        assert b"".join(gunzip(_Trickle(packed), "t")) == data  # type: ignore[arg-type]
        with pytest.raises(BadTarball, match="data after the end"):
            b"".join(gunzip(_Trickle(packed + bytes(100) + b"x"), "t"))  # type: ignore[arg-type]


def test_a_name_of_255_bytes_and_zero_padding_after_the_member_are_accepted() -> None:
    assert _read(_header(0x08, b"a" * 255 + b"\0") + _body(b"x")) == b"x"
    assert _read(gzip.compress(b"abc") + bytes(3 * CHUNK)) == b"abc"


def test_every_flipped_byte_of_the_compressed_data_is_refused() -> None:
    """Each byte of a small gzip file flipped in turn: never accepted with other content."""
    data = b"The model's bytes, " * 40
    packed = gzip.compress(data, mtime=0)
    for position in range(10, len(packed)):
        changed = bytearray(packed)
        changed[position] ^= 0x55
        try:
            assert _read(bytes(changed)) == data, position
        except BadTarball as exc:
            assert exc.check == GZIP
