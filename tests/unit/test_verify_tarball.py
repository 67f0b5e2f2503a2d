"""training.tarball reads only tar headers: the caps hold without anything being unpacked."""

from __future__ import annotations

import gzip
import io
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from training.tarball import MAX_MEMBERS, MEMBER_CAP, TOTAL_CAP, BadTarball, scan


def _tar(path: Path, members: dict[str, bytes | None]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path


def test_a_well_formed_folder_is_read_from_its_headers(tmp_path: Path) -> None:
    layout = scan(_tar(tmp_path / "ok.tar.gz", {"m": None, "m/a": b"1", "m/b": b"22"}))
    assert layout.folder == "m" and layout.files == {"a": 1, "b": 2}


def test_sparse_members_over_the_total_cap_are_refused_unread(
    tmp_path: Path, bad_input: Callable[[str], None]
) -> None:
    """Five sparse members, each under the member cap, together over the total cap."""
    folder = tmp_path / "m"
    folder.mkdir()
    each = MEMBER_CAP - 1
    count = TOTAL_CAP // each + 1
    for number in range(count):
        with (folder / f"part{number}").open("wb") as handle:
            handle.truncate(each)
    path = tmp_path / "parts.tar.gz"
    subprocess.run(["tar", "--sparse", "-czf", str(path), "-C", str(tmp_path), "m"], check=True)
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(BadTarball, match="cap"):
        scan(path)
    bad_input("sparse members over the total cap")


def _doubled(path: Path) -> Path:
    one = _tar(path, {"m": None, "m/a": b"1"}).read_bytes()
    path.write_bytes(one + one)
    return path


def _trailing_gzip(path: Path) -> Path:
    one = _tar(path, {"m": None, "m/a": b"1"}).read_bytes()
    path.write_bytes(one + gzip.compress(b"x" * 600))
    return path


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "doubled": (_doubled, "after the end of its archive"),
    "trailing gzip member": (_trailing_gzip, "after the end of its archive"),
    "duplicate": (lambda p: _tar(p, {"m": None, "m/a": b"1", "m//a": b"2"}), "twice"),
    "nested folder": (lambda p: _tar(p, {"m": None, "m/d/a": b"1"}), "one flat folder"),
    "too many members": (
        lambda p: _tar(p, {"m": None, **{f"m/{n}": b"" for n in range(MAX_MEMBERS)}}),
        "more than",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_layouts_are_refused_in_one_line(
    tmp_path: Path, bad_input: Callable[[str], None], case: str
) -> None:
    make, fragment = CASES[case]
    with pytest.raises(BadTarball) as caught:
        scan(make(tmp_path / "case.tar.gz"))
    assert fragment in str(caught.value) and "\n" not in str(caught.value), str(caught.value)
    bad_input(f"tar layout: {case}")
