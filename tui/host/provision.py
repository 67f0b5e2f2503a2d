"""Provisioning: start a Docker engine when none answers, and bootstrap the base image.

On a machine with a running engine and the base image present, both steps do nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tui.engine.base_image import engine_answers, has_image, import_rootfs, pull_image
from tui.engine.client import DEFAULT_SOCKET, engine_address
from tui.engine.runtimes import (
    LAB_RUNTIME,
    RUNSC_PATH,
    ensure_lab_runtime,
    record_started_engine,
    register_lab_runtime,
)
from tui.errors import LabError
from tui.host import apt
from tui.host.access import socket_denied
from tui.host.mirror import Mirror, debian_mirror
from tui.host.needs import COMPOSE, DEBOOTSTRAP, DOCKER, is_present

BASE_IMAGE = "debian:bookworm-slim"  # the demo, the lesson and the training image start from it
DOCKERD_LOG = Path("/var/log/container-lab-dockerd.log")
ENGINE_WAIT_SECONDS = 60.0
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# What each base image is bootstrapped from when it cannot be pulled: suite and variant.
BOOTSTRAP_SUITES = {"debian:bookworm-slim": "bookworm", "debian:bookworm": "bookworm"}


def ensure_engine(
    *, install: bool = True, wait: float = ENGINE_WAIT_SECONDS, gvisor: bool = False
) -> str:
    """Make sure a Docker engine answers; start dockerd (installing it as root) when none does.

    A local engine run by root also gets the lab's gVisor runtime (the lesson's third row) when
    the lab started it, or when `gvisor` asks for it (tui.engine.runtimes).
    """
    address = engine_address()
    denied = socket_denied(address.url)
    if denied:
        raise LabError(denied)
    if engine_answers(address.url):
        said = f"engine: already running at {address.url}"
        if address.url == DEFAULT_SOCKET and os.geteuid() == 0:
            said += "\n" + register_lab_runtime(address.url, explicit=gvisor)
        return said
    if address.url != DEFAULT_SOCKET:
        raise LabError(
            f"No engine answers at {address.url} (from {address.source}); start it there, "
            "or unset DOCKER_HOST to use a local one."
        )
    missing = [package.name for package in (DOCKER, COMPOSE) if not is_present(package)]
    if missing:
        if not install:
            raise LabError(
                f"{' '.join(missing)} not installed: run `apt-get install {' '.join(missing)}`."
            )
        apt.install(missing)
    if os.geteuid() != 0:
        raise LabError(
            "No engine is running and starting dockerd needs root: "
            "run `sudo container-lab engine up`."
        )
    runsc_note = ""
    if RUNSC_PATH.is_file():
        ensure_lab_runtime()  # written before dockerd starts, so it comes up with it
        runsc_note = f"\ngVisor: {LAB_RUNTIME} registered in /etc/docker/daemon.json"
    DOCKERD_LOG.parent.mkdir(parents=True, exist_ok=True)
    with DOCKERD_LOG.open("ab") as log:
        process = subprocess.Popen(
            ["dockerd"], stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
        )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LabError(f"dockerd exited with status {process.returncode}: see {DOCKERD_LOG}.")
        if engine_answers(address.url):
            record_started_engine(process.pid, address.url)  # the lab's to configure from now on
            return f"engine: started dockerd (pid {process.pid}), log in {DOCKERD_LOG}{runsc_note}"
        time.sleep(0.2)  # a bounded wait for the socket: dockerd offers no readiness signal
    raise LabError(f"dockerd did not answer within {wait:.0f} s: see {DOCKERD_LOG}.")


def ensure_base_image(image: str = BASE_IMAGE, host: str | None = None) -> str:
    """Make sure `image` exists locally: pull it, or bootstrap it from Debian's packages."""
    if has_image(image, host):
        return f"base image: {image} present"
    if pull_image(image, host):
        return f"base image: pulled {image}"
    # No registry answers here: build it from Debian's archive instead.
    suite = BOOTSTRAP_SUITES.get(image)
    if suite is None:
        raise LabError(
            f"Base image {image} is missing and cannot be pulled: load it with `docker load`, "
            "or use debian:bookworm-slim, which the lab can bootstrap."
        )
    seconds = bootstrap_image(image, suite, host)
    return f"base image: bootstrapped {image} from Debian {suite} in {seconds:.0f} s"


def debootstrap(suite: str, root: Path, mirror: Mirror) -> None:
    """A minimal Debian `suite` in `root` (debootstrap's minbase variant), from `mirror`."""
    if not is_present(DEBOOTSTRAP):
        apt.install([DEBOOTSTRAP.name])
    result = subprocess.run(
        ["debootstrap", "--variant=minbase", suite, str(root), mirror.archive],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:]
        raise LabError(f"debootstrap {suite} from {mirror.archive} failed: {' '.join(last)}")


def bootstrap_image(image: str, suite: str, host: str | None = None) -> float:
    """debootstrap a minimal Debian root, copy in the host's CA bundle, and `docker import` it."""
    if os.geteuid() != 0:
        raise LabError("Bootstrapping a base image needs root: run `sudo container-lab engine up`.")
    mirror = debian_mirror()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="container-lab-rootfs-", dir="/var/tmp") as work:
        root = Path(work) / "rootfs"
        debootstrap(suite, root, mirror)
        _prepare_rootfs(root, suite, mirror)
        tarball = Path(work) / "rootfs.tar"
        subprocess.run(["tar", "-C", str(root), "-cf", str(tarball), "."], check=True)
        import_rootfs(tarball, image, host)
    return time.monotonic() - started


def _prepare_rootfs(root: Path, suite: str, mirror: Mirror) -> None:
    """Make the bootstrapped root look like the slim image: sources, CA bundle, no caches."""
    (root / "etc/apt/sources.list").write_text(mirror.sources_list(suite))
    if HOST_CA_BUNDLE.is_file():
        # Behind a TLS-intercepting proxy the container needs the host's CAs to reach PyPI.
        # update-ca-certificates (run when ca-certificates installs) keeps local certificates.
        local = root / "usr/local/share/ca-certificates"
        local.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(HOST_CA_BUNDLE, local / "container-lab-host-bundle.crt")
        (root / "etc/ssl/certs").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(HOST_CA_BUNDLE, root / "etc/ssl/certs/ca-certificates.crt")
    for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for entry in (root / cache).glob("*"):
            if entry.is_file():
                entry.unlink()
