"""What every refused verification must leave behind: one line, and nothing lost or left over."""

from __future__ import annotations

import hashlib
import io
import shutil
import tarfile
from collections.abc import Iterable
from pathlib import Path

import docker

from tests.conftest import SESSION_ID, TEST_LABEL
from tui.lab.container_spec import ROLE_LABEL
from tui.paths import LabPaths


def digest(path: Path) -> str:
    """The SHA-256 of a file, to show it was not changed."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` and its digest."""
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_one_line(text: str) -> None:
    """A single line with no traceback in it."""
    assert text.strip(), "no reason given"
    assert "\n" not in text.strip(), text
    assert "Traceback" not in text, text


def assert_no_verifier_left(client: docker.DockerClient) -> None:
    """No verify container of this session remains."""
    left = client.containers.list(
        ignore_removed=True,
        all=True,
        filters={"label": [f"{TEST_LABEL}={SESSION_ID}", f"{ROLE_LABEL}=verify"]},
    )
    assert not left, f"verifier containers left behind: {[c.name for c in left]}"


def repack(
    good: Path,
    target: Path,
    extra: Iterable[tuple[tarfile.TarInfo, io.BytesIO | io.RawIOBase | None]],
) -> Path:
    """A copy of the tarball `good` with `extra` members added in its model folder."""
    with tarfile.open(good, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        folder = next(m.name for m in old.getmembers() if m.isdir())
        for member in old.getmembers():
            new.addfile(member, old.extractfile(member) if member.isfile() else None)
        for info, data in extra:
            info.name = f"{folder}/{info.name}"
            new.addfile(info, data)
    return target


class Zeros(io.RawIOBase):
    """An endless stream of zero bytes (tarfile reads exactly a member's size from it)."""

    def readable(self) -> bool:
        """It is."""
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Fill with zeros."""
        buffer[:] = bytes(len(buffer))
        return len(buffer)


def assert_refused(
    client: docker.DockerClient,
    path: Path,
    lab: LabPaths,
    original: Path,
    *fragments: str,
    image: str,
    labels: dict[str, str],
) -> str:
    """Verify `path`: refused, in one line naming `fragments`, with nothing lost or left."""
    from tui.lab.verify import verify_tarball

    before_digest, before_models = digest(original), snapshot(lab.models)
    verdict = verify_tarball(client, path, lab, image=image, labels=labels)
    assert not verdict.ok, verdict.details
    assert_one_line(verdict.reason)
    for fragment in fragments:
        assert fragment in verdict.reason, verdict.reason
    assert digest(original) == before_digest, "verification changed the original"
    assert snapshot(lab.models) == before_models, "verification wrote into models/"
    assert_no_verifier_left(client)
    return verdict.reason


def victim_lab(project: Path, lab: LabPaths) -> LabPaths:
    """A copy of the session lab (same keys, same .env) whose files root now owns."""
    project.mkdir(exist_ok=True)
    shutil.copy2(lab.env_file, project / ".env")
    shutil.copytree(lab.lab, project / ".lab")
    (project / ".lab").chmod(0o711)
    (project / "models").mkdir()
    return LabPaths(project)
