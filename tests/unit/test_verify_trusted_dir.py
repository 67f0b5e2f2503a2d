"""The trusted-keys folder is refused when anyone but its owner could change it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.errors import LabError
from tui.lab.trusted_dir import check_trusted_dir


def _folder(root: Path) -> Path:
    folder = root / "project" / ".lab" / "trusted-keys"
    folder.mkdir(parents=True)
    for name in ("container-lab.pub.asc", "trustdb.txt", "keyname-to-fingerprint.json"):
        (folder / name).write_text("x\n")
        (folder / name).chmod(0o644)
    for entry in (folder, folder.parent, folder.parent.parent):
        entry.chmod(0o755)
    return folder


def test_a_folder_only_its_owner_can_write_is_trusted(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    assert check_trusted_dir(folder) == folder.resolve()


def _group_writable_file(folder: Path) -> None:
    (folder / "trustdb.txt").chmod(0o664)


def _world_writable_folder(folder: Path) -> None:
    folder.chmod(0o777)


def _foreign_owner(folder: Path) -> None:
    os.chown(folder / "container-lab.pub.asc", 54321, 54321)


def _link(folder: Path) -> None:
    (folder / "extra.pub.asc").symlink_to(folder / "trustdb.txt")


def _open_parent(folder: Path) -> None:
    folder.parent.chmod(0o777)


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "group-writable file": (_group_writable_file, "group or others can write it (mode 0664)"),
    "world-writable folder": (_world_writable_folder, "group or others can write it (mode 0777)"),
    "file of another uid": (_foreign_owner, "belongs to uid 54321"),
    "link in the folder": (_link, "is a link"),
    "parent others can write": (_open_parent, "could swap the folder"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_folder_others_could_change_is_refused(
    tmp_path: Path, bad_input: Callable[[str], None], case: str
) -> None:
    if case == "file of another uid" and os.geteuid() != 0:
        pytest.fail("chown to another uid needs root, as CI runs")
    folder = _folder(tmp_path)
    breaker, fragment = CASES[case]
    breaker(folder)
    with pytest.raises(LabError) as caught:
        check_trusted_dir(folder)
    message = str(caught.value)
    assert message.startswith("refusing to trust") and fragment in message, message
    assert "\n" not in message
    bad_input(f"trusted-keys folder: {case}")
