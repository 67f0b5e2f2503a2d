"""Pristine Debian root filesystems for the lane: debootstrap once a day per suite, cached.

~/.cache/container-lab/pristine/<suite>-<UTC date>.tar is debootstrap's minbase variant from
the machine's own Debian mirror, with the sources a Debian image has (the suite, its updates
and its security updates). It is imported as container-lab/pristine:<suite>-<date>, labelled
as the lane's; older days of both are removed (only the lane's own).
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tui.host.mirror import debian_mirror
from tui.host.provision import debootstrap

REPOSITORY = "container-lab/pristine"
LABEL = "org.container-lab.pristine"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "container-lab/pristine"


def today() -> str:
    """The cache key's date (UTC), e.g. 2025-12-06."""
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def tarball(suite: str, day: str, cache: Path = CACHE) -> Path:
    """Where the root filesystem of `suite` bootstrapped on `day` is cached."""
    return cache / f"{suite}-{day}.tar"


def stale(suite: str, day: str, cache: Path = CACHE) -> list[Path]:
    """Cached root filesystems of `suite` from other days."""
    return [path for path in cache.glob(f"{suite}-*.tar") if path != tarball(suite, day, cache)]


def ensure_tarball(suite: str, day: str, cache: Path = CACHE) -> tuple[Path, bool]:
    """The cached root filesystem of `suite` for `day`, made now when missing (True then)."""
    target = tarball(suite, day, cache)
    if target.is_file():
        return target, False
    cache.mkdir(parents=True, exist_ok=True)
    mirror = debian_mirror()
    with tempfile.TemporaryDirectory(prefix=f"{suite}-", dir=cache) as work:
        root = Path(work) / "rootfs"
        debootstrap(suite, root, mirror)
        (root / "etc/apt/sources.list").write_text(mirror.sources_list(suite))
        for leftover in (root / "var/cache/apt/archives").glob("*.deb"):
            leftover.unlink()
        part = Path(work) / "rootfs.tar"
        subprocess.run(["tar", "-C", str(root), "-cf", str(part), "."], check=True)
        part.replace(target)
    for old in stale(suite, day, cache):
        old.unlink()
    return target, True


def image_name(suite: str, day: str) -> str:
    """The lane's image of `suite` bootstrapped on `day`."""
    return f"{REPOSITORY}:{suite}-{day}"


def _docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=False)


def ensure_image(suite: str, day: str) -> tuple[str, bool]:
    """The lane's image of `suite` for `day`, imported from the cache when missing."""
    name = image_name(suite, day)
    if _docker("image", "inspect", name).returncode == 0:
        return name, False
    path, _ = ensure_tarball(suite, day)
    result = _docker("import", "-c", 'CMD ["bash"]', "-c", f"LABEL {LABEL}=rootfs", str(path), name)
    if result.returncode != 0:
        raise RuntimeError(f"docker import {path}: {result.stderr.strip()}")
    listed = _docker(
        "images", "--filter", f"label={LABEL}=rootfs", "--format", "{{.Repository}}:{{.Tag}}"
    )
    for old in listed.stdout.split():
        if old.startswith(f"{REPOSITORY}:{suite}-") and old != name:
            _docker("rmi", old)
    return name, True


def apt_cache(suite: str, cache: Path = CACHE) -> Path:
    """The folder the lane's containers of `suite` keep downloaded .debs in (apt's archives)."""
    folder = cache / f"apt-{suite}"
    (folder / "partial").mkdir(parents=True, exist_ok=True)
    return folder


def clear(cache: Path = CACHE) -> None:
    """Forget every cached root filesystem and .deb (for a cold run)."""
    shutil.rmtree(cache, ignore_errors=True)
