"""Progress lines and the tarball structure check, without a container."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from training.verify import RefusedModel, check_structure
from tui.lab.progress import parse_progress


def test_progress_lines_are_parsed_and_plain_text_is_not() -> None:
    line = '{"stage": "done", "progress": 1.0, "message": "ok", "tarball": "/models/x.tar.gz",'
    line += ' "metrics": {"accuracy": 0.9}}'
    record = parse_progress(line)
    assert record is not None
    assert (record.stage, record.progress, record.tarball) == ("done", 1.0, "/models/x.tar.gz")
    assert record.metrics == {"accuracy": 0.9}
    assert parse_progress("gpg: key imported") is None
    assert parse_progress("{not json") is None
    assert parse_progress('{"no": "stage"}') is None
    bad_progress = parse_progress('{"stage": "x", "progress": "bad"}')
    assert bad_progress is not None and bad_progress.progress == 0.0


def _tarball(path: Path, members: dict[str, bytes], *, kind: bytes = tarfile.REGTYPE) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.type = kind
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("members", "fragment"),
    [
        ({"../evil": b"x"}, "unsafe member path"),
        ({"/etc/passwd": b"x"}, "unsafe member path"),
        ({"model/../../x": b"x"}, "unsafe member path"),
        ({"a/x": b"1", "b/y": b"2"}, "exactly one model folder"),
    ],
)
def test_unsafe_or_foreign_layouts_are_refused(
    tmp_path: Path, members: dict[str, bytes], fragment: str
) -> None:
    with pytest.raises(RefusedModel, match=fragment):
        check_structure(_tarball(tmp_path / "m.tar.gz", members))


def test_links_empty_files_and_non_tarballs_are_refused(tmp_path: Path) -> None:
    link = tmp_path / "link.tar.gz"
    with tarfile.open(link, "w:gz") as archive:
        info = tarfile.TarInfo("model/evil")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/shadow"
        archive.addfile(info)
    with pytest.raises(RefusedModel, match="link or device"):
        check_structure(link)
    empty = tmp_path / "empty.tar.gz"
    empty.write_bytes(b"")
    with pytest.raises(RefusedModel, match="is empty"):
        check_structure(empty)
    text = tmp_path / "notes.tar.gz"
    text.write_text("hello, not a tarball\n")
    with pytest.raises(RefusedModel, match="not a complete gzip tarball"):
        check_structure(text)
    with pytest.raises(RefusedModel, match="not a file"):
        check_structure(tmp_path)
