"""training.tarball: one flat model folder, checked header by header, nothing unpacked.

Good archives come from Python's tarfile and from GNU tar; bad ones from GNU tar where it can
make them (hard links, ./ names, no folder entry, sparse files) and from tests/tar_forge.py.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import tar_forge as forge
from training.refusal import FILE, GZIP, LAYOUT, TAR, BadTarball
from training.tarball import FILE_CAP, MAX_MEMBERS, Limits, member_parts, open_model, scan

Members = list[tuple[str, bytes | None]]


def _tar(path: Path, members: Members) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path


def _gnu_tar(tmp_path: Path, *args: str, prepare: Callable[[Path], None] | None = None) -> Path:
    """A tarball GNU tar makes in tmp_path, from a folder `src` holding m (files a and b),
    after `prepare`."""
    folder = tmp_path / "src" / "m"
    folder.mkdir(parents=True)
    (folder / "a").write_bytes(b"1")
    (folder / "b").write_bytes(b"22")
    if prepare is not None:
        prepare(folder)
    path = tmp_path / "gnu.tar.gz"
    subprocess.run(["tar", "-czf", str(path), "-C", str(tmp_path / "src"), *args], check=True)
    return path


def test_a_well_formed_folder_is_read_with_every_members_digest(tmp_path: Path) -> None:
    layout = scan(_tar(tmp_path / "ok.tar.gz", [("m", None), ("m/a", b"1"), ("m/b", b"22")]))
    assert layout.folder == "m" and layout.files == {"a": 1, "b": 2}
    assert [(m.name, m.kind, m.mode) for m in layout.members] == [
        ("m/", "folder", 0o644),
        ("m/a", "file", 0o644),
        ("m/b", "file", 0o644),
    ]
    assert layout.members[0].sha256 == ""
    assert layout.members[2].sha256 == hashlib.sha256(b"22").hexdigest()
    assert layout.kept == {}


def test_pax_time_records_stay_with_their_member(tmp_path: Path) -> None:
    archive = forge.folder("m/") + forge.pax({"mtime": "1.5"}) + forge.member("m/a", b"1")
    path = tmp_path / "pax.tar.gz"
    path.write_bytes(gzip.compress(archive + forge.end()))
    layout = scan(path)
    assert [m.extended for m in layout.members] == [(), (("mtime", "1.5"),)]


def test_a_folder_gnu_tar_made_is_read(tmp_path: Path) -> None:
    layout = scan(_gnu_tar(tmp_path, "m"), keep=frozenset({"a"}))
    assert layout.folder == "m" and layout.files == {"a": 1, "b": 2}
    assert layout.kept == {"a": b"1"}


def test_kept_files_are_capped(tmp_path: Path, bad_input: Callable[[str], None]) -> None:
    path = _tar(tmp_path / "k.tar.gz", [("m", None), ("m/meta", b"x" * 11)])
    assert scan(path, keep=frozenset({"meta"}), limits=Limits(kept=11)).kept == {"meta": b"x" * 11}
    with pytest.raises(BadTarball) as caught:
        scan(path, keep=frozenset({"meta"}), limits=Limits(kept=10))
    assert (
        str(caught.value)
        == "k.tar.gz: m/meta is 11 bytes, over the 10 bytes cap for a metadata file"
    )
    assert caught.value.check == LAYOUT
    bad_input("tar layout: metadata file over its cap")


CAPPED: Members = [("m", None), ("m/a", b"123"), ("m/b", b"4567")]


def test_caps_are_inclusive(tmp_path: Path) -> None:
    path = _tar(tmp_path / "c.tar.gz", CAPPED)
    assert len(scan(path, limits=Limits(member=4, total=7, members=3)).members) == 3


@pytest.mark.parametrize(
    ("limits", "fragment"),
    [
        (
            Limits(member=3),
            ": member m/b unpacks to 4 bytes, over the 3 bytes cap per member (refused without "
            "unpacking)",
        ),
        (Limits(total=6), " unpacks to more than the 6 bytes cap (refused without unpacking)"),
        (Limits(members=2), " has more than 2 members"),
    ],
)
def test_caps_one_under_what_the_tarball_needs_refuse_it(
    tmp_path: Path, limits: Limits, fragment: str, bad_input: Callable[[str], None]
) -> None:
    with pytest.raises(BadTarball) as caught:
        scan(_tar(tmp_path / "c.tar.gz", CAPPED), limits=limits)
    assert str(caught.value) == "c.tar.gz" + fragment
    assert caught.value.check == LAYOUT
    bad_input(f"tar layout: {fragment.split(' ', 2)[2][:30]}")


def test_a_member_over_the_cap_is_refused_before_its_data_is_read(tmp_path: Path) -> None:
    """The archive stops after the big member's header: only the header can have been read."""
    path = tmp_path / "cut.tar.gz"
    path.write_bytes(gzip.compress(forge.folder("m/") + forge.header("m/big", size=300 << 20)))
    with pytest.raises(BadTarball) as caught:
        scan(path)
    assert str(caught.value) == (
        "cut.tar.gz: member m/big unpacks to 300 MiB, over the 256 MiB cap per member (refused "
        "without unpacking)"
    )


def test_the_default_caps_are_the_documented_ones() -> None:
    assert (Limits().member, Limits().total, Limits().members) == (256 << 20, 1 << 30, 64)
    assert (Limits().kept, FILE_CAP, MAX_MEMBERS) == (1 << 20, 256 << 20, 64)


def _hard_link(folder: Path) -> None:
    os.link(folder / "a", folder / "c")


def _sparse(folder: Path) -> None:
    with (folder / "sparse.bin").open("wb") as handle:
        handle.truncate(3 << 29)


DOT = " starts with ./ (refused: the model folder must be the archive's top level; pack the "
DOT += "folder by its own name)"
GNU_MADE: dict[str, tuple[tuple[str, ...], Callable[[Path], None] | None, str, str]] = {
    "hard link": (
        ("m",),
        _hard_link,
        r"gnu\.tar\.gz has a link or device member: m/[ac] is a hard link; a model holds only "
        r"plain files in one folder",
        TAR,
    ),
    "./ names": (("./m",), None, re.escape("gnu.tar.gz: member ./m/" + DOT), LAYOUT),
    "the working folder as ./": ((".",), None, re.escape("gnu.tar.gz: member ./" + DOT), LAYOUT),
    "no folder entry": (
        ("--no-recursion", "m/a", "m/b"),
        None,
        re.escape(
            "gnu.tar.gz must hold exactly one model folder, as its first member; it starts with m/a"
        ),
        LAYOUT,
    ),
    "sparse 1.5 GiB member": (
        ("--sparse", "m"),
        _sparse,
        re.escape(
            "gnu.tar.gz: member m/sparse.bin is a GNU sparse file that unpacks to 1536 MiB "
            "(refused without unpacking: a model holds only plain files)"
        ),
        TAR,
    ),
}


@pytest.mark.parametrize("case", sorted(GNU_MADE))
def test_what_gnu_tar_makes_but_a_model_never_holds_is_refused(
    tmp_path: Path, case: str, bad_input: Callable[[str], None]
) -> None:
    args, prepare, pattern, check = GNU_MADE[case]
    path = _gnu_tar(tmp_path, *args, prepare=prepare)
    assert path.stat().st_size < 64 * 1024
    with pytest.raises(BadTarball) as caught:
        scan(path)
    assert re.fullmatch(pattern, str(caught.value)), str(caught.value)
    assert caught.value.check == check
    bad_input(f"tar layout: {case} (GNU tar)")


def _doubled(path: Path) -> Path:
    one = _tar(path, [("m", None), ("m/a", b"1")]).read_bytes()
    path.write_bytes(one + one)
    return path


def _trailing_gzip(path: Path) -> Path:
    one = _tar(path, [("m", None), ("m/a", b"1")]).read_bytes()
    path.write_bytes(one + gzip.compress(b"x" * 600))
    return path


def _written(path: Path, archive: bytes) -> Path:
    path.write_bytes(gzip.compress(archive))
    return path


UNSAFE = " has an unsafe member path: "
FLAT = " has a member outside one flat folder: "
FIRST = " must hold exactly one model folder, as its first member; it starts with "
CHARACTERS = " has characters other than A-Z a-z 0-9 . _ - in its name"
CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "doubled": (_doubled, " has data after the end of its archive (not signed)"),
    "trailing gzip member": (_trailing_gzip, " has data after the end of its archive (not signed)"),
    "duplicate": (
        lambda p: _tar(p, [("m", None), ("m/a", b"1"), ("m/a", b"2")]),
        " holds m/a twice",
    ),
    "folder twice": (lambda p: _tar(p, [("m", None), ("m/", None)]), " holds m/ twice"),
    "double slash": (lambda p: _tar(p, [("m", None), ("m//a", b"2")]), UNSAFE + "m//a"),
    "dot part": (lambda p: _tar(p, [("m", None), ("m/./a", b"2")]), UNSAFE + "m/./a"),
    "file with a slash": (lambda p: _tar(p, [("m", None), ("m/a/", b"2")]), UNSAFE + "m/a/"),
    "traversal": (lambda p: _tar(p, [("m", None), ("m/../x", b"2")]), UNSAFE + "m/../x"),
    "absolute": (lambda p: _tar(p, [("/m", None)]), UNSAFE + "/m/"),
    "nested folder": (lambda p: _tar(p, [("m", None), ("m/d/a", b"1")]), FLAT + "m/d/a"),
    "file beside the folder": (lambda p: _tar(p, [("m", None), ("x", b"1")]), FLAT + "x"),
    "file in another folder": (lambda p: _tar(p, [("m", None), ("n/x", b"1")]), FLAT + "n/x"),
    "second folder": (
        lambda p: _tar(p, [("a", None), ("b", None)]),
        " must hold exactly one model folder, found another: b",
    ),
    "file first": (lambda p: _tar(p, [("m/a", b"1"), ("m", None)]), FIRST + "m/a"),
    "nested folder first": (lambda p: _tar(p, [("m/d", None)]), FIRST + "m/d"),
    "space in a name": (
        lambda p: _tar(p, [("m", None), ("m/a b", b"1")]),
        ": member m/a b" + CHARACTERS,
    ),
    "escape in a name": (
        lambda p: _tar(p, [("m", None), ("m/\x1b[2J", b"1")]),
        ": member m/\\x1b[2J" + CHARACTERS,
    ),
    "no members": (lambda p: _written(p, forge.end()), " holds no files"),
    "too many members": (
        lambda p: _tar(p, [("m", None), *((f"m/{n}", b"") for n in range(MAX_MEMBERS))]),
        " has more than 64 members",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_layouts_are_refused_in_one_line(
    tmp_path: Path, bad_input: Callable[[str], None], case: str
) -> None:
    make, expected = CASES[case]
    with pytest.raises(BadTarball) as caught:
        scan(make(tmp_path / "case.tar.gz"))
    assert str(caught.value) == "case.tar.gz" + expected
    assert caught.value.check == (GZIP if "after the end" in expected else LAYOUT)
    bad_input(f"tar layout: {case}")


def test_member_parts_accepts_plain_names_only() -> None:
    assert member_parts("t", "m/", "folder") == ("m",)
    assert member_parts("t", "m", "folder") == ("m",)
    assert member_parts("t", "model_1/THEMODEL.pickle", "file") == ("model_1", "THEMODEL.pickle")
    for name in ("m/a/", "/m", "m/..", "./m", "m//a", "m/.", "m/é"):
        with pytest.raises(BadTarball):
            member_parts("t", name, "file")


def test_the_input_is_opened_without_following_links(
    tmp_path: Path, bad_input: Callable[[str], None]
) -> None:
    target = _tar(tmp_path / "ok.tar.gz", [("m", None), ("m/a", b"1")])
    (tmp_path / "link.tar.gz").symlink_to(target)
    os.mkfifo(tmp_path / "fifo.tar.gz")
    (tmp_path / "empty.tar.gz").write_bytes(b"")
    with (tmp_path / "sparse.tar.gz").open("wb") as handle:
        handle.truncate(FILE_CAP + 1)
    cases = {
        "link.tar.gz": "link.tar.gz is a symbolic link: give the file itself",
        "fifo.tar.gz": "fifo.tar.gz is not a file",  # and the open did not block on it
        "empty.tar.gz": "empty.tar.gz is empty",
        "sparse.tar.gz": "sparse.tar.gz is 256 MiB, over the 256 MiB cap for a model tarball",
        "missing.tar.gz": "cannot open missing.tar.gz: No such file or directory",
        ".": f"{tmp_path.name} is not a file",
    }
    for name, expected in cases.items():
        with pytest.raises(BadTarball) as caught, open_model(tmp_path / name):
            pass
        assert str(caught.value) == expected and caught.value.check == FILE
        bad_input(f"model file: {name}")
    with (tmp_path / "sparse.tar.gz").open("r+b") as handle:
        handle.truncate(FILE_CAP)
    with open_model(tmp_path / "sparse.tar.gz") as handle:
        assert handle.read(4) == bytes(4)
