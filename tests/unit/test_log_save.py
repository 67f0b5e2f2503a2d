"""Saving log lines on this machine: never through a symlink, never into anything but a regular
file (issue 21, item 1: the dashboard often runs as root and the path is typed by its user)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tui.engine.logs.save import default_save_path, save_lines
from tui.errors import LabError


def test_save_refuses_to_overwrite_unless_told(tmp_path: Path):
    path = tmp_path / "web.log"
    assert save_lines(path, ["one", "two"], overwrite=False) == 2
    with pytest.raises(FileExistsError):
        save_lines(path, ["three"], overwrite=False)
    assert path.read_text() == "one\ntwo\n"
    assert save_lines(path, ["three"], overwrite=True) == 1
    assert path.read_text() == "three\n"


def test_a_new_file_is_readable_by_its_owner_only(tmp_path: Path):
    path = tmp_path / "secret.log"
    old = os.umask(0)  # even with the most permissive umask
    try:
        save_lines(path, ["API_TOKEN=…"], overwrite=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_save_to_an_unwritable_path_is_one_line(tmp_path: Path, bad_input):
    with pytest.raises(LabError, match=r"cannot save to .*pick another path"):
        save_lines(tmp_path / "no-such-dir" / "x.log", ["a"], overwrite=False)
    bad_input("missing folder")


def test_a_failed_whole_log_leaves_no_partial_file(tmp_path: Path):
    def lines():
        yield "first"
        raise ConnectionError("engine went away")

    path = tmp_path / "partial.log"
    with pytest.raises(ConnectionError):
        save_lines(path, lines(), overwrite=False)
    assert not path.exists()


def test_a_symlink_is_never_followed_even_when_overwriting(tmp_path: Path, bad_input):
    victim = tmp_path / "shadow"
    victim.write_text("precious\n")
    link = tmp_path / "x.log"
    link.symlink_to(victim)
    with pytest.raises(FileExistsError):  # it is there: the user is asked first
        save_lines(link, ["owned"], overwrite=False)
    with pytest.raises(LabError, match="symbolic link"):  # and "yes" still does not follow it
        save_lines(link, ["owned"], overwrite=True)
    assert victim.read_text() == "precious\n" and link.is_symlink()
    bad_input("symlink to an existing file")

    dangling = tmp_path / "y.log"
    dangling.symlink_to(tmp_path / "profile.d-x.sh")
    with pytest.raises(LabError, match="symbolic link"):
        save_lines(dangling, ["owned"], overwrite=True)
    assert not (tmp_path / "profile.d-x.sh").exists()
    bad_input("dangling symlink")


def test_a_fifo_is_refused_and_gets_nothing(tmp_path: Path, bad_input):
    fifo = tmp_path / "pipe.log"
    os.mkfifo(fifo)
    # A reader is there, so the old code's open() did not block: it wrote into the pipe.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(LabError, match="FIFO"):
            save_lines(fifo, ["into the pipe"], overwrite=True)
        try:
            got = os.read(reader, 4096)
        except BlockingIOError:
            got = b""
        assert got == b""
    finally:
        os.close(reader)
    with pytest.raises(LabError, match="not a regular file"):  # and with no reader: no hang
        save_lines(fifo, ["into the pipe"], overwrite=True)
    bad_input("FIFO")


def test_a_device_is_refused(bad_input):
    with pytest.raises(LabError, match="character device"):
        save_lines(Path("/dev/null"), ["a"], overwrite=True)
    bad_input("character device")


def test_a_folder_is_refused(tmp_path: Path, bad_input):
    folder = tmp_path / "logs"
    folder.mkdir()
    with pytest.raises(LabError, match="folder"):
        save_lines(folder, ["a"], overwrite=True)
    assert list(folder.iterdir()) == []
    bad_input("folder")


def test_a_file_with_another_name_is_refused(tmp_path: Path, bad_input):
    original = tmp_path / "passwd"
    original.write_text("root:x:0:0\n")
    (tmp_path / "x.log").hardlink_to(original)
    with pytest.raises(LabError, match="hard links"):
        save_lines(tmp_path / "x.log", ["owned"], overwrite=True)
    assert original.read_text() == "root:x:0:0\n"
    bad_input("hard link")


def test_default_save_path_is_named_after_the_container(tmp_path: Path):
    path = default_save_path("project web/db", now=0.0, folder=tmp_path)
    assert path.parent == tmp_path
    assert path.name.startswith("project_web_db-") and path.suffix == ".log"
