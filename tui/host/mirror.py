"""The Debian mirror this machine already uses, read from its own apt sources.

The lab names no mirror of its own: debootstrap, the base image's sources and the tests'
Compose v2 package come from the archive in /etc/apt/sources.list(.d) (one-line `.list` files
and deb822 `.sources`), or from $CONTAINER_LAB_DEBIAN_MIRROR when that is set.
Standard library only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tui.errors import LabError

MIRROR_ENV = "CONTAINER_LAB_DEBIAN_MIRROR"
APT_DIR = Path("/etc/apt")
OS_RELEASE = Path("/etc/os-release")
# Suite names Debian's archive has besides the release code names.
ALIASES = frozenset({"stable", "testing", "unstable", "sid", "oldstable", "experimental"})


@dataclass(frozen=True)
class Entry:
    """One `deb` source: where, which suites, which components."""

    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]


@dataclass(frozen=True)
class Mirror:
    """Debian's archive and (when the machine has one) its security archive."""

    archive: str
    security: str | None = None

    def sources_list(self, suite: str) -> str:
        """A one-line sources.list for `suite`: main, its updates and its security updates."""
        lines = [f"deb {self.archive} {suite} main", f"deb {self.archive} {suite}-updates main"]
        if self.security:
            lines.append(f"deb {self.security} {suite}-security main")
        return "\n".join(lines) + "\n"

    def pool_url(self, path: str) -> str:
        """The URL of a file in the archive's pool, e.g. `main/d/docker-compose/x.deb`."""
        return f"{self.archive}/pool/{path}"


def _one_line(text: str) -> list[Entry]:
    entries = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 3 or words[0] != "deb":
            continue
        rest = words[1:]
        if rest[0].startswith("["):  # [arch=amd64 signed-by=...] options
            while rest and not rest[0].endswith("]"):
                rest = rest[1:]
            rest = rest[1:]
        if len(rest) >= 2:
            entries.append(Entry(rest[0].rstrip("/"), (rest[1],), tuple(rest[2:])))
    return entries


def _deb822(text: str) -> list[Entry]:
    entries = []
    for paragraph in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in paragraph.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0].isspace() and key:  # a continuation line
                fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        suites = tuple(fields.get("suites", "").split())
        components = tuple(fields.get("components", "").split())
        for uri in fields.get("uris", "").split():
            entries.append(Entry(uri.rstrip("/"), suites, components))
    return entries


def read_entries(apt_dir: Path = APT_DIR) -> list[Entry]:
    """Every `deb` source the machine's apt reads, in apt's order."""
    entries = []
    main = apt_dir / "sources.list"
    if main.is_file():
        entries += _one_line(main.read_text(errors="replace"))
    parts = apt_dir / "sources.list.d"
    for path in sorted(parts.glob("*")) if parts.is_dir() else []:
        if path.suffix == ".list":
            entries += _one_line(path.read_text(errors="replace"))
        elif path.suffix == ".sources":
            entries += _deb822(path.read_text(errors="replace"))
    return entries


def debian_codename(os_release: Path = OS_RELEASE) -> str:
    """This machine's Debian release code name (bookworm, trixie, ...); '' when it is not
    Debian (Ubuntu's archive, say, has no Debian suites)."""
    try:
        text = os_release.read_text()
    except OSError:
        return ""
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        fields[key.strip()] = value.strip().strip("\"'")
    return fields.get("VERSION_CODENAME", "") if fields.get("ID") == "debian" else ""


def find_mirror(entries: list[Entry], release: str) -> Mirror | None:
    """Debian's archive among `entries`: the source of this release's (or an alias's) main."""
    debian = {release, *ALIASES} - {""}
    archive = security = None
    for entry in entries:
        if not entry.uri.startswith(("http://", "https://")) or "main" not in entry.components:
            continue
        for suite in entry.suites:
            base, _, pocket = suite.partition("-")
            if base not in debian:
                continue
            if pocket == "security":
                security = security or entry.uri
            else:
                archive = archive or entry.uri
    return Mirror(archive, security) if archive else None


def debian_mirror(apt_dir: Path = APT_DIR, os_release: Path = OS_RELEASE) -> Mirror:
    """The mirror to fetch Debian from: $CONTAINER_LAB_DEBIAN_MIRROR, else the apt sources'."""
    entries = read_entries(apt_dir)
    found = find_mirror(entries, debian_codename(os_release))
    override = os.environ.get(MIRROR_ENV, "").strip().rstrip("/")
    if override:
        return Mirror(override, found.security if found else None)
    if found is None:
        raise LabError(
            f"No Debian archive in {apt_dir}/sources.list(.d): set {MIRROR_ENV} to a Debian "
            "mirror's URL (the folder holding dists/ and pool/)."
        )
    return found
