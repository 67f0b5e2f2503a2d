"""What each command needs from the machine: the one list of Debian packages, and why.

A package counts as present when what it provides is there (a program, or a file such as a
kernel in /boot), not by dpkg's word: an engine from Docker's own packages serves as well as
Debian's docker.io. `./lab dashboard` installs the dashboard's, the lesson's and the keys'
packages; only `./lab test` adds the browser and the other engines the tests start.
"""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field

# Programs in sbin are missing from a user's PATH on Debian, yet a user may need to know of them.
SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")


@dataclass(frozen=True)
class Package:
    """A Debian package, what shows it is there (all of them; `a|b`: either), and why.

    A name `a|b` is whichever of the two the machine's archive has (the first that it has).
    """

    name: str
    provides: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Section:
    """One command's needs: its packages, and whether it talks to the local engine."""

    name: str
    title: str
    packages: tuple[Package, ...]
    engine: bool = False  # an engine that answers, and the base image on it
    signing_key: bool = False
    uses: tuple[str, ...] = field(default=())  # other sections it needs as well


DOCKER = Package("docker.io", ("dockerd",), "the Docker engine (dockerd)")
# Debian 13 moved the CLI out of docker.io (which only recommends it) into docker-cli.
DOCKER_CLI = Package("docker-cli|docker.io", ("docker",), "the docker CLI (shells, docker compose)")
COMPOSE = Package(
    "docker-compose",
    ("docker-compose|/usr/libexec/docker/cli-plugins/docker-compose",),
    "compose projects' up, down, recreate",
)
DEBOOTSTRAP = Package(
    "debootstrap", ("debootstrap",), "builds the base image when no registry answers"
)
QEMU = Package("qemu-system-x86", ("qemu-system-x86_64",), "boots the lesson's VM")
KERNEL = Package(
    "linux-image-amd64", ("/boot/vmlinuz-*",), "the kernel and initrd the lesson's VM boots"
)
E2FS = Package("e2fsprogs", ("mkfs.ext4",), "writes the VM's disk from the image (mkfs.ext4 -d)")
RUNSC = Package("runsc", ("/usr/bin/runsc",), "gVisor, the lesson's sandbox row")
GPG = Package("gpg", ("gpg",), "makes and checks the signing key")
GPG_AGENT = Package("gpg-agent", ("gpg-agent",), "holds the key while gpg signs")
CHROMIUM = Package("chromium", ("chromium",), "the browser the --serve tests drive")
CHROMEDRIVER = Package("chromium-driver", ("chromedriver",), "selenium's driver for chromium")
SSHD = Package("openssh-server", ("sshd",), "the tests' own sshd, for ssh:// engines")
OPENSSL = Package("openssl", ("openssl",), "certificates for the tests' TLS engine")
PODMAN = Package("podman", ("podman",), "the tests' Podman engine")
STRACE = Package("strace", ("strace",), "records every file the served read-only sweep touches")
IPROUTE = Package("iproute2", ("ip",), "network namespaces for the cluster's and tests' engines")
UTIL_LINUX = Package("util-linux", ("nsenter", "unshare"), "each cluster node's namespaces")

SECTIONS: dict[str, Section] = {
    section.name: section
    for section in (
        Section(
            "dashboard",
            "the dashboard, demo containers and `engine up`",
            (DOCKER, DOCKER_CLI, COMPOSE, DEBOOTSTRAP),
            engine=True,
        ),
        Section(
            "lesson",
            "the VM baseline lesson: a container, a gVisor sandbox and a QEMU VM",
            (QEMU, KERNEL, E2FS, RUNSC),
            uses=("dashboard",),
        ),
        Section("keys", "the demo signing key", (GPG, GPG_AGENT)),
        Section(
            "train",
            "training a signed model",
            (),
            signing_key=True,
            uses=("dashboard", "keys"),
        ),
        Section(
            "cluster",
            "a Swarm of dockerds on this machine (`cluster up`)",
            (IPROUTE, UTIL_LINUX),
            uses=("dashboard",),
        ),
        Section(
            "test",
            "the test suite (./lab test)",
            (CHROMIUM, CHROMEDRIVER, SSHD, OPENSSL, PODMAN, IPROUTE, STRACE),
            uses=("dashboard", "lesson", "keys", "cluster"),
        ),
    )
}

# What each `container-lab` command (and ./lab test) needs: the dashboard runs the lesson and
# offers to make the key for training, so it takes their packages too.
COMMANDS: dict[str, tuple[str, ...]] = {
    "dashboard": ("dashboard", "lesson", "keys"),
    "demo": ("dashboard",),
    "engine": ("dashboard",),
    "baseline": ("lesson",),
    "keys": ("keys",),
    "train": ("train",),
    "reproduce": ("train",),
    "runs": (),
    "verify": ("dashboard",),
    "sbom": ("dashboard",),
    "cluster": ("cluster",),
    "test": ("test",),
    "config": (),
}


def expand(names: Iterable[str]) -> list[Section]:
    """The sections `names` (section or command names) need, each once, in SECTIONS' order."""
    wanted: set[str] = set()
    todo = [section for name in names for section in COMMANDS.get(name, (name,))]
    while todo:
        name = todo.pop()
        if name not in SECTIONS:
            choices = ", ".join(sorted({*SECTIONS, *COMMANDS}))
            raise ValueError(f"unknown command or section '{name}' (one of {choices})")
        if name not in wanted:
            wanted.add(name)
            todo.extend(SECTIONS[name].uses)
    return [section for name, section in SECTIONS.items() if name in wanted]


def packages_of(sections: Iterable[Section]) -> list[Package]:
    """Every package the sections need, each once, in order."""
    seen: dict[str, Package] = {}
    for section in sections:
        for package in section.packages:
            seen.setdefault(package.name, package)
    return list(seen.values())


def found(probe: str) -> bool:
    """True when `probe` is there: a file (a glob when it has *) or a program on PATH or sbin."""
    if probe.startswith("/"):
        return any(os.access(path, os.R_OK) for path in glob.glob(probe))
    search = os.pathsep.join([os.environ.get("PATH", ""), *SBIN])
    return shutil.which(probe, path=search) is not None


def is_present(package: Package) -> bool:
    """True when everything the package provides is there."""
    return all(any(map(found, probes.split("|"))) for probes in package.provides)


def missing_packages(names: Iterable[str]) -> list[Package]:
    """The packages the named commands or sections need that are not there."""
    return [package for package in packages_of(expand(names)) if not is_present(package)]
