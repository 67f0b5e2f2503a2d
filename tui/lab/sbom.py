"""An image's SBOM from the host: its files read from the engine, the document made by
training.sbom (the same code the training container uses, so the training image's SBOM here has
the SHA-256 its models' provenance records), a summary, and saving it with an explicit mode."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.sbom import (
    Package,
    cyclonedx,
    document_bytes,
    kind_counts,
    largest,
    packages,
    sbom_digest,
    wanted,
)
from tui.engine.client import connect
from tui.engine.image_files import image_files
from tui.errors import LabError
from tui.lab.files import make_folder, write_new
from tui.paths import LabPaths

FileReader = Callable[[Callable[[str], bool]], dict[str, bytes]]  # wanted -> the image's files
FILE_MODE = 0o644
FOLDER_MODE = 0o700  # inside .lab/, which is the lab user's own
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ImageSbom:
    """An image's SBOM: the document, its packages and its SHA-256."""

    image: str
    document: dict[str, Any]
    packages: tuple[Package, ...]
    digest: str


def image_sbom(image: str, read_files: FileReader) -> ImageSbom:
    """The SBOM of `image`, whose files `read_files` reads."""
    files = read_files(wanted)
    document = cyclonedx(files)
    return ImageSbom(image, document, tuple(packages(files)), sbom_digest(document))


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def summary_lines(sbom: ImageSbom, top: int = 5) -> list[str]:
    """Package count by kind, then the `top` largest packages, one line each."""
    counts = kind_counts(sbom.packages)
    count_text = ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "no packages found"
    lines = [f"{len(sbom.packages)} packages: {count_text}", f"SBOM sha256:{sbom.digest}"]
    lines.append(f"largest {min(top, len(sbom.packages))}:")
    for package in largest(sbom.packages, top):
        lines.append(
            f"  {_mib(package.size):>10}  {package.name} {package.version} ({package.kind})"
        )
    return lines


def default_path(paths: LabPaths, sbom: ImageSbom, image_id: str) -> Path:
    """.lab/sbom/<image name>-<id, 12>.cdx.json."""
    name = _UNSAFE.sub("_", sbom.image).strip("._") or "image"
    return paths.lab / "sbom" / f"{name[:80]}-{image_id.removeprefix('sha256:')[:12]}.cdx.json"


def save_sbom(sbom: ImageSbom, target: Path, *, make_folders: bool = False) -> Path:
    """Write the document to `target` (mode 644, never through a link, never over another
    file; the same SBOM already there is kept). `make_folders`: create its folder and the one
    above it (.lab/sbom/) when missing, mode 700."""
    data = document_bytes(sbom.document)
    for folder in (target.parent.parent, target.parent) if make_folders else ():
        try:
            make_folder(folder, FOLDER_MODE, exist_ok=True)
        except OSError as exc:
            raise LabError(f"cannot create {folder}: {exc.strerror}") from exc
    try:
        write_new(target, data, FILE_MODE)
    except FileExistsError as exc:
        if not target.is_symlink() and target.is_file() and target.read_bytes() == data:
            return target
        raise LabError(f"{target} exists: give another path or move it away.") from exc
    except OSError as exc:
        raise LabError(f"cannot write {target}: {exc.strerror}") from exc
    return target


def sbom_from_cli(image: str, host: str | None = None, save: str | None = None) -> int:
    """`container-lab sbom IMAGE [--save PATH]`: the summary, and the document when asked."""
    client = connect(host)
    sbom = image_sbom(image, lambda pick: image_files(client, image, pick))
    for line in summary_lines(sbom):
        print(line)
    if save:
        target = save_sbom(sbom, Path(save))
        print(f"saved {target}", file=sys.stderr)
    return 0
