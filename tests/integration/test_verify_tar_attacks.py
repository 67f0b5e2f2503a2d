"""Tarballs that Python's tarfile reads one way and GNU tar another (issue 21 item 7).

Each starts from the session's genuinely signed model. The test shows what real GNU tar does
with it (`tar -x` as root, here into a folder of the test's own) and that verify refuses it in
one line. Each was verified before verify read the archive with its own parser.
"""

from __future__ import annotations

import os
import stat
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from tests import tar_forge as forge
from tests.integration.conftest import LABELS
from tests.integration.lab_fixtures import TEST_IMAGE_TAG
from tests.integration.verify_checks import assert_refused
from tui.paths import LabPaths

pytestmark = [pytest.mark.slow, pytest.mark.bad_input]
MiB = 1024 * 1024


def _plain(model: Path) -> tuple[bytes, str]:
    """The model's plain archive and its folder's name."""
    raw = forge.unpack(model.read_bytes())
    return raw, forge.entries(raw)[0].name.rstrip("/")


def _gnu_tar(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tar", *args], capture_output=True, text=True, timeout=600, check=False)


def _extract(tarball: Path, into: Path) -> subprocess.CompletedProcess[str]:
    into.mkdir()
    return _gnu_tar("-xzf", str(tarball), "-C", str(into))


def _refused(
    client: docker.DockerClient, path: Path, lab: LabPaths, model: Path, *parts: str
) -> str:
    return assert_refused(client, path, lab, model, *parts, image=TEST_IMAGE_TAG, labels=LABELS)


def _symlink_after_the_end(raw: bytes, folder: str) -> bytes:
    link = forge.header(
        f"{folder}/THEMODEL.pickle", kind=b"2", linkname=b"/tmp/evil.pickle", devmajor=b"junk"
    )
    return forge.body(raw) + link + forge.end()


def _shows_symlink(into: Path, folder: str) -> None:
    pickle = into / folder / "THEMODEL.pickle"
    assert pickle.is_symlink() and os.readlink(pickle) == "/tmp/evil.pickle"


def _shows_setuid(into: Path, folder: str) -> None:
    mode = (into / folder / "THEMODEL.pickle").stat().st_mode
    assert mode & stat.S_ISUID and mode & stat.S_ISGID, oct(mode)


def _shows_owner(into: Path, folder: str) -> None:
    assert (into / folder / "THEMODEL.pickle").stat().st_uid == 65534


def _shows_plain_extraction(into: Path, folder: str) -> None:
    assert (into / folder / "THEMODEL.pickle").is_file()


FORGED: dict[
    str, tuple[Callable[[bytes, str], bytes], Callable[[Path, str], None], tuple[str, ...]]
] = {
    "symlink with junk in devmajor after the last member": (
        _symlink_after_the_end,
        _shows_symlink,
        ("THEMODEL.pickle is a symbolic link", "link or device member"),
    ),
    "setuid and setgid mode 6777": (
        lambda raw, folder: forge.patch(raw, "THEMODEL.pickle", mode=forge.number(0o6777, 8)),
        _shows_setuid,
        ("mode 6777",),
    ),
    "owner nobody in the header": (
        lambda raw, folder: forge.patch(
            raw, "THEMODEL.pickle", uid=forge.number(65534, 8), uname=b"nobody"
        ),
        _shows_owner,
        ("an owner uid other than 0",),
    ),
    "text in a file's link field": (
        lambda raw, folder: forge.patch(raw, "THEMODEL.pickle", linkname=b"unsigned words"),
        _shows_plain_extraction,
        ("has a link target",),
    ),
    "50 MiB pax comment": (
        lambda raw, folder: forge.insert_before(
            raw, "THEMODEL.pickle", forge.pax({"comment": "A" * (50 * MiB)})
        ),
        _shows_plain_extraction,
        ("pax header", "50 MiB, over the 1024-byte cap", "before reading it"),
    ),
}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_what_tar_extracts_but_no_signature_covers_is_refused(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    tmp_path: Path,
    bad_input: Callable[[str], None],
    case: str,
) -> None:
    forge_it, gnu_tar_shows, fragments = FORGED[case]
    raw, folder = _plain(model_tarball)
    path = tmp_path / "forged.tar.gz"
    path.write_bytes(forge.pack(forge_it(raw, folder)))
    extracted = _extract(path, tmp_path / "gnu-tar")
    assert extracted.returncode == 0, extracted.stderr
    gnu_tar_shows(tmp_path / "gnu-tar", folder)
    with tarfile.open(path) as archive:  # Python's reader sees a plain model
        assert all(m.isfile() or m.isdir() for m in archive.getmembers())
    _refused(docker_client, path, lab, model_tarball, *fragments)
    bad_input(f"tar: {case}")


@pytest.mark.parametrize(
    ("kind", "fragment"),
    [(b"x", "over the 1024-byte cap for extended headers"), (b"L", "GNU long-name header")],
    ids=["pax header", "GNU long name"],
)
def test_a_300_mib_extended_header_in_a_small_file_is_refused_before_it_is_read(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    tmp_path: Path,
    bad_input: Callable[[str], None],
    kind: bytes,
    fragment: str,
) -> None:
    """Before, the verifier read the header whole: hundreds of MB from a file of a few."""
    raw, folder = _plain(model_tarball)
    pickle = forge.find(raw, "THEMODEL.pickle").offset
    size = 300 * MiB
    head, tail = (
        (b"%d comment=" % size, b"\n")
        if kind == b"x"
        else (
            f"{folder}/THEMODEL.pickle".encode() + b"\0",
            b"\0",
        )
    )
    data = forge.pack_with_big_member(raw[:pickle], kind, head, size, tail, raw[pickle:])
    path = tmp_path / "big-header.tar.gz"
    path.write_bytes(data)
    assert path.stat().st_size < 5 * MiB
    listed = _gnu_tar("-tzf", str(path))
    assert f"{folder}/THEMODEL.pickle" in listed.stdout.split("\n"), listed.stderr[-300:]
    _refused(docker_client, path, lab, model_tarball, "300 MiB", fragment, "before reading it")
    bad_input(f"tar: 300 MiB {'pax header' if kind == b'x' else 'GNU long name'}")


def _unpacked(model: Path, into: Path) -> str:
    """The model unpacked by GNU tar into `into`; its folder's name."""
    into.mkdir()
    result = _gnu_tar("-xzf", str(model), "-C", str(into))
    assert result.returncode == 0, result.stderr
    (folder,) = os.listdir(into)
    return folder


def _hard_link(into: Path, folder: str, path: Path) -> None:
    os.link(into / folder / "meta.version", into / folder / "meta.copy")
    assert _gnu_tar("-czf", str(path), "-C", str(into), folder).returncode == 0


def _dot_slash(into: Path, folder: str, path: Path) -> None:
    assert _gnu_tar("-czf", str(path), "-C", str(into), f"./{folder}").returncode == 0


def _no_folder_entry(into: Path, folder: str, path: Path) -> None:
    names = sorted(f"{folder}/{name}" for name in os.listdir(into / folder))
    assert _gnu_tar("-czf", str(path), "-C", str(into), "--no-recursion", *names).returncode == 0


REPACKED: dict[str, tuple[Callable[[Path, str, Path], None], str]] = {
    "hard link": (_hard_link, "is a hard link"),
    "./-prefixed names": (_dot_slash, "starts with ./"),
    "no folder entry": (
        _no_folder_entry,
        "must hold exactly one model folder, as its first member",
    ),
}


@pytest.mark.parametrize("case", sorted(REPACKED))
def test_a_model_repacked_by_gnu_tar_is_refused_in_one_line(
    docker_client: docker.DockerClient,
    lab: LabPaths,
    model_tarball: Path,
    tmp_path: Path,
    bad_input: Callable[[str], None],
    case: str,
) -> None:
    """Hard links passed a mutant unnoticed; ./ names gave a KeyError traceback (issue 21 #10)."""
    repack, fragment = REPACKED[case]
    folder = _unpacked(model_tarball, tmp_path / "unpacked")
    path = tmp_path / "repacked.tar.gz"
    repack(tmp_path / "unpacked", folder, path)
    _refused(docker_client, path, lab, model_tarball, fragment)
    bad_input(f"tar: model repacked by GNU tar with {case}")
