"""The trusted keys are refused when anyone but their owner could change them, and the containers
get a private snapshot of exactly what was checked."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.errors import LabError
from tui.lab.identity import LabIdentity
from tui.lab.trusted_dir import private_snapshot, read_trusted_keys
from tui.paths import LabPaths

NAMES = ("container-lab.pub.asc", "trustdb.txt", "keyname-to-fingerprint.json")
FOREIGN = 54321


def _lab(root: Path) -> LabPaths:
    paths = LabPaths(root / "project")
    folder = paths.trusted_keys
    folder.mkdir(parents=True)
    for name in NAMES:
        (folder / name).write_text(f"{name}\n")
        (folder / name).chmod(0o644)
    for entry in (folder, paths.lab, paths.project):
        entry.chmod(0o755)
    paths.lab.chmod(0o700)
    return paths


def test_a_folder_only_its_owner_can_write_is_read_as_it_was(tmp_path: Path) -> None:
    paths = _lab(tmp_path)
    keys = read_trusted_keys(paths)
    assert keys.folder == paths.trusted_keys
    assert dict(keys.files) == {name: f"{name}\n".encode() for name in NAMES}


def _group_writable_file(paths: LabPaths) -> None:
    (paths.trusted_keys / "trustdb.txt").chmod(0o664)


def _world_writable_folder(paths: LabPaths) -> None:
    paths.trusted_keys.chmod(0o777)


def _foreign_file(paths: LabPaths) -> None:
    os.chown(paths.trusted_keys / "container-lab.pub.asc", FOREIGN, FOREIGN)


def _link_in_folder(paths: LabPaths) -> None:
    (paths.trusted_keys / "extra.pub.asc").symlink_to(paths.trusted_keys / "trustdb.txt")


def _fifo_in_folder(paths: LabPaths) -> None:
    os.mkfifo(paths.trusted_keys / "extra.pub.asc")


def _open_parent(paths: LabPaths) -> None:
    paths.project.chmod(0o777)


def _group_writable_lab(paths: LabPaths) -> None:
    paths.lab.chmod(0o770)


def _foreign_lab(paths: LabPaths) -> None:
    os.chown(paths.lab, FOREIGN, FOREIGN)


def _linked_lab(paths: LabPaths) -> None:
    real = paths.project / "elsewhere"
    paths.lab.rename(real)
    paths.lab.symlink_to(real)


def _linked_trusted_keys(paths: LabPaths) -> None:
    real = paths.lab / "elsewhere"
    paths.trusted_keys.rename(real)
    paths.trusted_keys.symlink_to(real)


def _lab_a_file(paths: LabPaths) -> None:
    real = paths.project / "elsewhere"
    paths.lab.rename(real)
    paths.lab.write_text("not a folder\n")


CASES: dict[str, tuple[Callable[[LabPaths], None], str, str]] = {
    "group-writable file": (_group_writable_file, "trustdb.txt", "(mode 0664)"),
    "world-writable folder": (_world_writable_folder, "trusted-keys", "(mode 0777)"),
    "file of another uid": (_foreign_file, "pub.asc", "belongs to uid 54321"),
    "link in the folder": (_link_in_folder, "extra.pub.asc", "is a link"),
    "FIFO in the folder": (_fifo_in_folder, "extra.pub.asc", "not a regular file"),
    "parent others can write": (_open_parent, "project", "could swap the folder"),
    ".lab group-writable": (_group_writable_lab, ".lab", "(mode 0770)"),
    ".lab of another uid": (_foreign_lab, ".lab", "belongs to uid 54321"),
    ".lab a link": (_linked_lab, ".lab", "it is a link"),
    "trusted-keys a link": (_linked_trusted_keys, "trusted-keys", "it is a link"),
    ".lab a file": (_lab_a_file, ".lab", "it is not a folder"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_trusted_keys_others_could_change_are_refused(
    tmp_path: Path, bad_input: Callable[[str], None], case: str
) -> None:
    breaker, where, fragment = CASES[case]
    if "uid" in fragment and os.geteuid() != 0:
        pytest.fail("chown to another uid needs root, as CI runs")
    paths = _lab(tmp_path)
    breaker(paths)
    with pytest.raises(LabError) as caught:
        read_trusted_keys(paths)
    message = str(caught.value)
    assert message.startswith("refusing to trust") and fragment in message, message
    refused = message.removeprefix("refusing to trust ").split(":")[0]
    assert Path(refused).name.endswith(where), message
    assert "\n" not in message
    bad_input(f"trusted keys: {case}")


def test_the_snapshot_holds_exactly_what_was_read_for_the_container_uid(tmp_path: Path) -> None:
    paths = _lab(tmp_path)
    keys = read_trusted_keys(paths)
    identity = LabIdentity(FOREIGN, FOREIGN) if os.geteuid() == 0 else LabIdentity(0, 0)
    owner = (FOREIGN, FOREIGN) if os.geteuid() == 0 else (os.geteuid(), os.getegid())
    (paths.trusted_keys / "trustdb.txt").write_text("changed after the check\n")
    with private_snapshot(keys, identity) as snapshot:
        assert snapshot != paths.trusted_keys and paths.project not in snapshot.parents
        info = snapshot.stat()
        assert ((info.st_uid, info.st_gid), stat.S_IMODE(info.st_mode)) == (owner, 0o700)
        assert sorted(p.name for p in snapshot.iterdir()) == sorted(NAMES)
        for name in NAMES:
            copy = snapshot / name
            info = copy.stat()
            assert ((info.st_uid, info.st_gid), stat.S_IMODE(info.st_mode)) == (owner, 0o400)
            assert copy.read_bytes() == f"{name}\n".encode()  # what was checked, not the change
    assert not snapshot.exists()
