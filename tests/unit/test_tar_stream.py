"""training.tarstream: headers first, data on request and hashed, zeros everywhere else.

Archives are forged block by block (tests/tar_forge.py) or written by Python's tarfile; the
digests are compared with hashlib over the data the test put in.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from tests import tar_forge as forge
from training.refusal import TAR, BadTarball
from training.tarheader import FILE, FOLDER
from training.tarstream import PAX_CAP, TRAILING_CAP, TarReader, parse_pax


def _chunks(data: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _read_all(data: bytes, size: int = 4096) -> list[tuple[str, str, str, bytes | None]]:
    """(name, kind, sha256, data) of every member, data kept."""
    reader = TarReader(_chunks(data, size), "t.tar.gz")
    found = []
    while (entry := reader.next()) is not None:
        digest, kept = reader.data(keep=True)
        found.append((entry.header.name, entry.header.kind, digest, kept))
    return found


def _refused(data: bytes, expected: str) -> None:
    with pytest.raises(BadTarball) as caught:
        _read_all(data)
    assert str(caught.value) == "t.tar.gz" + expected
    assert caught.value.check == TAR


EARLY = " is not a complete gzip tarball (it ends early)"
PAX_NAME = ": pax header ././@PaxHeader"
NOT_TIMES = PAX_NAME + " holds other records than times (not signed)"


def test_members_data_and_digests_are_what_was_written() -> None:
    files = {"m/a": b"", "m/b": b"x" * 511, "m/c": b"y" * 512, "m/d": bytes(range(256)) * 300}
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        folder = tarfile.TarInfo("m")
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    for chunk_size in (1, 7, 512, 100_000):
        found = _read_all(out.getvalue(), chunk_size)
        assert [(n, k) for n, k, _, _ in found] == [("m/", FOLDER)] + [(n, FILE) for n in files]
        for name, _, digest, kept in found[1:]:
            assert kept == files[name]
            assert digest == hashlib.sha256(files[name]).hexdigest()


def test_a_damaged_header_is_named_by_its_place_in_the_archive() -> None:
    damaged = bytearray(forge.member("m/b", b"x"))
    damaged[0] ^= 1
    with pytest.raises(BadTarball) as caught:
        _read_all(forge.member("m/a", b"1") + bytes(damaged) + forge.end())
    assert str(caught.value) == (
        "t.tar.gz: member #2 has a bad header checksum: the archive is damaged or forged "
        "(not signed)"
    )


def test_data_not_kept_is_hashed_without_being_held() -> None:
    size = 32 * 1024 * 1024
    archive = forge.header("m/big", size=size) + bytes(size) + forge.end()
    reader = TarReader(_chunks(archive, 1 << 20), "t")
    assert reader.next() is not None
    tracemalloc.start()
    try:
        digest, kept = reader.data(keep=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert kept is None and digest == hashlib.sha256(bytes(size)).hexdigest()
    assert peak < size // 4, f"{peak} bytes held while hashing {size}"


def test_data_not_kept_is_still_hashed() -> None:
    reader = TarReader(iter([forge.member("m/a", b"abc") + forge.end()]), "t")
    assert reader.next() is not None
    digest, kept = reader.data(keep=False)
    assert kept is None and digest == hashlib.sha256(b"abc").hexdigest()
    assert reader.next() is None


def test_the_reader_insists_on_header_then_data() -> None:
    reader = TarReader(iter([forge.member("m/a", b"abc") * 2 + forge.end()]), "t")
    with pytest.raises(RuntimeError, match=r"^no member is pending$"):
        reader.data(keep=False)
    entry = reader.next()
    assert entry is not None and entry.extended == ()
    with pytest.raises(RuntimeError, match=r"^read the data of the previous member first$"):
        reader.next()


def test_a_member_refused_from_its_header_needs_none_of_its_data() -> None:
    """The stream ends right after the header: the caller sees the header, nothing fails."""
    reader = TarReader(iter([forge.header("m/huge", size=300 << 20)]), "t")
    entry = reader.next()
    assert entry is not None and entry.header.size == 300 << 20


def test_pax_time_records_go_with_the_next_member() -> None:
    archive = forge.pax({"mtime": "1700000000.25", "atime": "1"}) + forge.member("m/a", b"1")
    reader = TarReader(iter([archive + forge.end()]), "t")
    entry = reader.next()
    assert entry is not None and entry.header.name == "m/a"
    assert entry.extended == (("mtime", "1700000000.25"), ("atime", "1"))


def test_parse_pax_reads_exact_time_records_only() -> None:
    assert parse_pax(b"") == ()
    assert parse_pax(b"12 mtime=15\n12 atime=16\n") == (("mtime", "15"), ("atime", "16"))
    assert parse_pax(b"21 ctime=1.123456789\n") == (("ctime", "1.123456789"),)
    for bad in (
        b"13 mtime=15\n",  # the length is one too many
        b"11 mtime=15\n",  # one too few
        b"012 mtime=1\n",  # a leading zero
        b"12 mtime=15\n12 mtime=16\n",  # twice
        b"12 mtime=15 ",  # no newline
        b"12 mtime=15\nx",  # a partial record
        b"12 MTIME=15\n",  # not the keyword
        b"13 mtime=1.5.\n",
    ):
        assert parse_pax(bad) is None, bad


def test_gnu_pax_header_names_are_accepted() -> None:
    for name in ("./PaxHeaders/m", "m/PaxHeaders/a", "PaxHeaders.123/a", "././@PaxHeader"):
        archive = forge.pax({"ctime": "5"}, name=name) + forge.member("m/a", b"1") + forge.end()
        assert _read_all(archive)[0][0] == "m/a"


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ({"comment": "hello"}, NOT_TIMES),
        ({"path": "m/evil"}, NOT_TIMES),
        ({"linkpath": "/etc/passwd"}, NOT_TIMES),
        ({"size": "10"}, NOT_TIMES),
        ({"mtime": "yesterday"}, NOT_TIMES),
        (
            {"comment": "A" * 1025},
            PAX_NAME + " is 1039 bytes, over the 1024-byte cap for extended headers "
            "(refused before reading it)",
        ),
    ],
)
def test_pax_headers_with_more_than_times_are_refused(
    records: dict[str, str], expected: str, bad_input: Callable[[str], None]
) -> None:
    _refused(forge.pax(records) + forge.member("m/a", b"1") + forge.end(), expected)
    bad_input(f"pax header: {sorted(records)[0]}")


def test_an_oversized_pax_header_is_refused_before_its_data() -> None:
    """Only the header is there: the refusal cannot have read the 400 MiB it announces."""
    reader = TarReader(iter([forge.header("././@PaxHeader", kind=b"x", size=400 << 20)]), "t")
    with pytest.raises(BadTarball) as caught:
        reader.next()
    assert str(caught.value) == (
        "t: pax header ././@PaxHeader is 400 MiB, over the 1024-byte cap for extended headers "
        "(refused before reading it)"
    )


def test_the_pax_cap_is_inclusive() -> None:
    """A 1024-byte header is read (and refused for its record); 1025 bytes are not read."""
    at_cap = forge.pax({"comment": "A" * 1010})
    assert int(at_cap[124:136].rstrip(b"\0"), 8) == PAX_CAP
    _refused(at_cap + forge.member("m/a") + forge.end(), NOT_TIMES)
    over = forge.pax({"comment": "A" * 1011})
    _refused(
        over + forge.member("m/a") + forge.end(),
        PAX_NAME + " is 1025 bytes, over the 1024-byte cap for extended headers (refused before "
        "reading it)",
    )


@pytest.mark.parametrize(
    ("archive", "expected"),
    [
        (forge.pax({"mtime": "1"}) + forge.end(), " has a pax header that precedes no member"),
        (
            forge.pax({"mtime": "1"}) * 2 + forge.member("m/a") + forge.end(),
            " has a pax header that precedes no member",
        ),
        (
            forge.pax({"mtime": "1"}, name="evil-name") + forge.member("m/a") + forge.end(),
            ": pax header evil-name has an unusual name (not signed)",
        ),
        (
            forge.member("m/a", b"abc")[:-1] + b"x" + forge.end(),
            " has data in the padding after member #1 (not signed)",
        ),
        (
            forge.member("m/a") + forge.member("m/b", b"abc")[:-1] + b"x" + forge.end(),
            " has data in the padding after member #2 (not signed)",
        ),
        (
            forge.member("m/a", b"abc") + bytes(512) + b"\x01" + bytes(511),
            " has data after the end of its archive (not signed)",
        ),
        (forge.member("m/a", b"abc") + forge.member("m/b"), EARLY),
        (forge.member("m/a", b"abc")[:600], EARLY),
        (forge.header("m/a", size=10), EARLY),
        (forge.member("m/a", b"abc")[:520], EARLY),
        (forge.member("m/a", b"abc") + bytes(100), EARLY),
    ],
    ids=[
        "pax then end",
        "pax then pax",
        "pax with an unusual name",
        "junk in the padding",
        "junk in the second member's padding",
        "data after the end block",
        "no end blocks",
        "cut in the padding",
        "cut in the data",
        "cut in the padding at once",
        "cut in an end block",
    ],
)
def test_broken_or_padded_archives_are_refused(
    archive: bytes, expected: str, bad_input: Callable[[str], None]
) -> None:
    _refused(archive, expected)
    bad_input(f"tar stream: {expected}")


def test_zeros_after_the_end_are_accepted_up_to_their_cap() -> None:
    archive = forge.member("m/a", b"1") + bytes(512)
    assert len(_read_all(archive + bytes(TRAILING_CAP))) == 1
    _refused(
        archive + bytes(TRAILING_CAP + 512),
        " has more than 1 MiB of padding after the end of its archive",
    )
    assert (PAX_CAP, TRAILING_CAP) == (1024, 1024 * 1024), "the caps README documents"
