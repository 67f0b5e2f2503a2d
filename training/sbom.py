"""A CycloneDX SBOM of an image's Debian and Python packages, made offline from its own files.

The inputs are files of the image: dpkg's status database, os-release, and every Python
distribution's metadata (`*.dist-info/METADATA` and `RECORD`, or `*.egg-info`) in a
`site-packages` or `dist-packages` folder. The training container reads them from its own
filesystem (`collect_files`); the dashboard reads them from any image's layers. The document
has no timestamp or serial number and its components are sorted, so the same files always give
the same bytes, and the provenance can name the SBOM by its SHA-256. Standard library only.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DPKG_STATUS = "var/lib/dpkg/status"
OS_RELEASE = ("usr/lib/os-release", "etc/os-release")
DEBIAN, PYTHON = "debian", "python"
SPEC_VERSION = "1.5"
MEDIA_TYPE = "application/vnd.cyclonedx+json"
_PYTHON_META = re.compile(
    r"(?:^|.*/)((?:site|dist)-packages)/([^/]+)\.(dist-info/(?:METADATA|RECORD)|egg-info(?:/PKG-INFO)?)$"
)
_NOT_IMAGE = frozenset({"proc", "sys", "dev", "run", "tmp", "models", "data", "trusted-keys"})


@dataclass(frozen=True)
class Package:
    """One package: its kind (debian or python), name, version, size in bytes and where."""

    kind: str
    name: str
    version: str
    size: int
    purl: str
    location: str = ""


def wanted(path: str) -> bool:
    """Whether a file of the image (path without the leading /) feeds the SBOM."""
    return path == DPKG_STATUS or path in OS_RELEASE or _PYTHON_META.match(path) is not None


def collect_files(root: Path = Path("/")) -> dict[str, bytes]:
    """The SBOM's input files from a live filesystem (the container's own), as `wanted` picks.

    Folders the engine mounts at run time (proc, the corpus, models, ...) are not the image's.
    """
    found: dict[str, bytes] = {}
    for folder, dirs, files in os.walk(root):
        relative = Path(folder).relative_to(root).as_posix()
        relative = "" if relative == "." else relative + "/"
        if not relative:
            dirs[:] = [d for d in dirs if d not in _NOT_IMAGE]
        dirs.sort()
        for name in files:
            path = relative + name
            full = Path(folder, name)
            if wanted(path) and full.is_file() and not full.is_symlink():
                found[path] = full.read_bytes()
    return found


def _fields(paragraph: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = ""
    for line in paragraph.splitlines():
        if line[:1] in (" ", "\t") and key:
            fields[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
    return fields


def _os_release(files: Mapping[str, bytes]) -> dict[str, str]:
    for name in OS_RELEASE:
        if name in files:
            lines = files[name].decode(errors="replace").split("\n")
            pairs = (line.split("=", 1) for line in lines)
            return {k: v.strip().strip('"') for k, v in (p for p in pairs if len(p) == 2)}
    return {}


def debian_packages(status: str, distro: str) -> list[Package]:
    """The installed packages of a dpkg status file."""
    found = []
    for paragraph in re.split(r"\n\s*\n", status):
        fields = _fields(paragraph)
        if not fields.get("Package") or not fields.get("Status", "").endswith(" installed"):
            continue
        name, version = fields["Package"], fields.get("Version", "")
        arch = fields.get("Architecture", "")
        kib = fields.get("Installed-Size", "")
        size = int(kib) * 1024 if kib.isdigit() else 0  # dpkg counts KiB
        qualifiers = f"?arch={arch}" + (f"&distro={distro}" if distro else "")
        purl = f"pkg:deb/debian/{name}@{version}{qualifiers}"
        found.append(Package(DEBIAN, name, version, size, purl))
    return found


def _record_size(record: bytes) -> int:
    total = 0
    for row in csv.reader(io.StringIO(record.decode("utf-8", errors="replace"))):
        if len(row) >= 3 and row[2].isdigit():
            total += int(row[2])
    return total


def python_packages(files: Mapping[str, bytes]) -> list[Package]:
    """The Python distributions whose metadata is among `files`."""
    found = []
    for path, data in sorted(files.items()):
        match = _PYTHON_META.match(path)
        if match is None or match[3].endswith("RECORD"):
            continue
        location = path[: match.start(1)] + match[1]
        fields = _fields(data.decode("utf-8", errors="replace").split("\n\n", 1)[0])
        name, version = fields.get("Name", ""), fields.get("Version", "")
        if not name:
            continue
        record = files.get(f"{location}/{match[2]}.dist-info/RECORD", b"")
        normalized = re.sub(r"[-_.]+", "-", name).lower()
        purl = f"pkg:pypi/{normalized}@{version}"
        found.append(Package(PYTHON, name, version, _record_size(record), purl, location))
    return found


def packages(files: Mapping[str, bytes]) -> list[Package]:
    """Every package the files describe, sorted by kind, name, version and location."""
    release = _os_release(files)
    known = {"ID", "VERSION_ID"} <= set(release)
    distro = f"{release['ID']}-{release['VERSION_ID']}" if known else ""
    status = files.get(DPKG_STATUS, b"").decode("utf-8", errors="replace")
    found = debian_packages(status, distro) + python_packages(files)
    return sorted(found, key=lambda p: (p.kind, p.name.lower(), p.version, p.location))


def _component(package: Package) -> dict[str, Any]:
    properties = [
        {"name": "container-lab:kind", "value": package.kind},
        {"name": "container-lab:size", "value": str(package.size)},
    ]
    if package.location:
        properties.append({"name": "container-lab:location", "value": "/" + package.location})
    reference = package.purl + (f"#/{package.location}" if package.location else "")
    return {
        "type": "library",
        "bom-ref": reference,
        "name": package.name,
        "version": package.version,
        "purl": package.purl,
        "properties": properties,
    }


def cyclonedx(files: Mapping[str, bytes]) -> dict[str, Any]:
    """The CycloneDX document for these files."""
    release = _os_release(files)
    metadata: dict[str, Any] = {
        "tools": {"components": [{"type": "application", "name": "container-lab"}]}
    }
    if release.get("ID"):
        metadata["component"] = {
            "type": "operating-system",
            "bom-ref": f"os:{release['ID']}",
            "name": release["ID"],
            "version": release.get("VERSION_ID", ""),
            "description": release.get("PRETTY_NAME", ""),
        }
    return {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": metadata,
        "components": [_component(p) for p in packages(files)],
    }


def document_bytes(document: Mapping[str, Any]) -> bytes:
    """The document as saved and hashed: sorted keys, two-space indent, a final newline."""
    return (json.dumps(document, sort_keys=True, indent=2) + "\n").encode("utf-8")


def sbom_digest(document: Mapping[str, Any]) -> str:
    """SHA-256 of `document_bytes`."""
    return hashlib.sha256(document_bytes(document)).hexdigest()


def kind_counts(found: Iterable[Package]) -> dict[str, int]:
    """How many packages of each kind."""
    counts: dict[str, int] = {}
    for package in found:
        counts[package.kind] = counts.get(package.kind, 0) + 1
    return dict(sorted(counts.items()))


def largest(found: Iterable[Package], count: int = 5) -> list[Package]:
    """The `count` largest packages, largest first (ties by name)."""
    return sorted(found, key=lambda p: (-p.size, p.name))[:count]
