"""The VM's root disk: the container image's own files, exported and written to an ext4 image.

`docker export` of a created (never started) container gives the image's root filesystem; the
lesson's init script is added, and `mkfs.ext4 -d` builds the disk from the folder (no loop mount,
no root needed for the image itself). Disks are cached under .lab/baseline/ by image id.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

from tui.baseline.leftovers import owner, owner_alive
from tui.baseline.workload import VM_INIT, VM_INIT_PATH
from tui.engine.client import EngineClient
from tui.engine.errors import EngineError, ImageMissing
from tui.engine.handles import create_container
from tui.engine.images import image_id
from tui.errors import LabError
from tui.paths import LabPaths

MIB = 1024 * 1024
HEADROOM_BYTES = 32 * MIB  # free space for the guest's own writes (logs, /tmp)
EXPORT_LABEL = "org.container-lab.export"
E2FS_APT_HINT = "apt-get install e2fsprogs"


def disk_cache_dir(paths: LabPaths) -> Path:
    """Where built disks are kept."""
    return paths.lab / "baseline" / "disks"


def disk_path_for(paths: LabPaths, image_id: str) -> Path:
    """The cached disk of one image: by its id (a rebuilt tag gets a new disk) and the init."""
    script = hashlib.sha256(VM_INIT.encode()).hexdigest()[:8]
    return disk_cache_dir(paths) / f"{image_id.removeprefix('sha256:')[:16]}-{script}.ext4"


def _tree_bytes(root: Path) -> int:
    total = 0
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total


def export_rootfs(
    client: EngineClient,
    image: str,
    dest: Path,
    labels: Mapping[str, str] | None = None,
    stopped: threading.Event | None = None,
) -> None:
    """Unpack the image's root filesystem into `dest`, via a created (not started) container.

    The container carries `labels` (a lesson's: its stop, its guardian and the next lesson's
    leftover sweep find it by them, should this process end mid-export) and is removed at once
    when `stopped` was set while it was being created (after the lesson's own sweep, say)."""
    try:
        container = create_container(
            client, image=image, command=["true"], labels={**(labels or {}), EXPORT_LABEL: "1"}
        )
    except ImageMissing as exc:
        raise LabError(f"No local image {image}: pull or build it first.") from exc
    except EngineError as exc:
        raise LabError(f"Cannot create a container from {image}: {exc}") from exc
    try:
        if stopped is not None and stopped.is_set():
            raise LabError("stopped while the VM's disk was being built")
        with tempfile.TemporaryFile(dir=dest.parent) as tar:
            for chunk in container.export():
                tar.write(chunk)
            tar.seek(0)
            with tarfile.open(fileobj=tar, mode="r:") as archive:
                archive.extractall(dest, numeric_owner=True, filter="fully_trusted")
    finally:
        with contextlib.suppress(EngineError):  # a lesson's stop may have removed it first
            container.remove()


def _remove_orphaned_work(folder: Path) -> None:
    """Remove the work folders of disk builds whose process is gone (killed mid-build)."""
    for work in folder.glob("rootfs-*"):
        builder = work.name.removeprefix("rootfs-").rpartition("-")[0]  # pid-start time
        if work.is_dir() and not work.is_symlink() and not owner_alive(builder):
            shutil.rmtree(work, ignore_errors=True)


def build_disk(
    client: EngineClient,
    image: str,
    paths: LabPaths,
    labels: Mapping[str, str] | None = None,
    stopped: threading.Event | None = None,
) -> Path:
    """The ext4 disk of `image` with the lesson's init, built once per image id (`labels` and
    `stopped` as in `export_rootfs`)."""
    mkfs = shutil.which("mkfs.ext4") or shutil.which("mke2fs")
    if mkfs is None:
        raise LabError(f"mkfs.ext4 is not installed: {E2FS_APT_HINT}.")
    found = image_id(client, image)
    if found is None:
        raise LabError(f"No local image {image}: pull or build it first.")
    path = disk_path_for(paths, found)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphaned_work(path.parent)
    with tempfile.TemporaryDirectory(prefix=f"rootfs-{owner()}-", dir=path.parent) as work:
        root = Path(work) / "root"
        root.mkdir()
        export_rootfs(client, image, root, labels, stopped)
        init = root / VM_INIT_PATH.lstrip("/")
        init.write_text(VM_INIT, encoding="utf-8")
        init.chmod(0o755)
        size_mib = (int(_tree_bytes(root) * 1.1) + HEADROOM_BYTES) // MIB + 1
        tmp = Path(work) / "disk.ext4"
        result = subprocess.run(
            [
                mkfs,
                "-q",
                "-F",
                "-t",
                "ext4",
                "-L",
                "lab-root",
                "-d",
                str(root),
                str(tmp),
                f"{size_mib}M",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise LabError(f"mkfs.ext4 failed: {(result.stderr or result.stdout).strip()[-300:]}")
        tmp.replace(path)
    return path
