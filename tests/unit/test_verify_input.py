"""tui.lab.verify_input: the input opened once, checked, and copied for the container's uid only.

The end-to-end attacks (a symlink planted by a second uid, a reader racing the copy, a 2 GiB
sparse file) are in tests/integration/test_verify_input.py; these pin the pieces.
"""

from __future__ import annotations

import gzip
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.errors import LabError
from tui.lab.identity import LabIdentity
from tui.lab.verify_input import INPUT_CAP, copy_name, open_input, private_copy, refusal


@pytest.mark.parametrize(
    ("name", "copy"),
    [
        ("sports-classifier-20261206T171504Z.tar.gz", "sports-classifier-20261206T171504Z.tar.gz"),
        ("model (1) 20261206T171504Z.tar.gz", "model__1__20261206T171504Z.tar.gz"),
        ("modèle\x1b[2J.tar.gz", "mod_le__2J.tar.gz"),
        (".hidden.tar.gz", ".hidden.tar.gz"),
        ("..", "model.tar.gz"),
        (".", "model.tar.gz"),
        ("", "model.tar.gz"),
        ("a" * 300, "a" * 255),
    ],
)
def test_the_copy_keeps_the_name_and_its_timestamp_with_unsafe_characters_replaced(
    name: str, copy: str
) -> None:
    assert copy_name(name) == copy


def test_links_missing_files_and_non_files_are_refused_at_open(
    tmp_path: Path, bad_input: Callable[[str], None]
) -> None:
    target = tmp_path / "model.tar.gz"
    target.write_bytes(gzip.compress(b"x"))
    (tmp_path / "link.tar.gz").symlink_to(target)
    os.mkfifo(tmp_path / "fifo.tar.gz")
    cases = {
        "link.tar.gz": "is a symbolic link: give the model file itself",
        "missing.tar.gz": "no file at",
        "fifo.tar.gz": "is not a regular file",  # and opening it did not block
        ".": "is not a regular file",
    }
    for name, fragment in cases.items():
        with pytest.raises(LabError, match=fragment), open_input(tmp_path / name):
            pass
        bad_input(f"verify input: {name}")
    with open_input(target) as opened:
        assert opened.size == target.stat().st_size and opened.name == "model.tar.gz"
        descriptor = opened.fd
    with pytest.raises(OSError):
        os.fstat(descriptor)  # closed with the block


def _opened(tmp_path: Path, data: bytes, size: int | None = None) -> Path:
    path = tmp_path / "m.tar.gz"
    with path.open("wb") as handle:
        handle.write(data)
        if size is not None:
            handle.truncate(size)
    return path


def test_empty_oversized_and_non_gzip_inputs_never_reach_a_container(tmp_path: Path) -> None:
    cases = [
        (b"", None, "m.tar.gz is empty"),
        (b"\x1f\x8b\x08\x00", INPUT_CAP + 1, "is 256 MiB, over the 256 MiB cap"),
        (b"hello", None, "does not start with a gzip header"),
        (b"\x1f\x8b\x09", None, "does not start with a gzip header"),
    ]
    for data, size, fragment in cases:
        path = _opened(tmp_path, data, size)
        with open_input(path) as opened:
            reason = refusal(opened, path.name)
        assert reason is not None and fragment in reason, reason
        path.unlink()
    path = _opened(tmp_path, b"\x1f\x8b\x08\x00", INPUT_CAP)
    with open_input(path) as opened:
        assert refusal(opened, path.name) is None


@pytest.mark.skipif(os.geteuid() != 0, reason="the copy is handed to another uid only by root")
def test_the_copy_is_the_containers_uids_alone_and_gone_afterwards(tmp_path: Path) -> None:
    data = gzip.compress(os.urandom(3 * 1024 * 1024 + 5))
    source = _opened(tmp_path, data)
    identity = LabIdentity(54321, 54322)
    with open_input(source) as opened, private_copy(opened, identity) as folder:
        copy = folder / opened.name
        assert copy.read_bytes() == data
        outer = folder.parent
        assert stat.S_IMODE(outer.stat().st_mode) == 0o700 and outer.stat().st_uid == 0
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        for path in (folder, copy):
            assert (path.stat().st_uid, path.stat().st_gid) == (54321, 54322)
        assert outer.name.startswith("container-lab-verify-")
    assert not outer.exists()
