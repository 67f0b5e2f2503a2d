"""The hashes of a training run's inputs, computed the same way inside the image and on the host.

Inside the container they describe what the run really read (/data, /app/training); on the
host (`container-lab reproduce`) the same functions describe this checkout, so the two can be
compared name by name. Standard library only: the host imports this module too.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PYTHON_LOCK = "requirements.lock"
DEBIAN_LOCK = "debian-packages.lock"
LOCK_FILES = (PYTHON_LOCK, DEBIAN_LOCK)
CORPUS_PATTERN = "*.txt"
_SKIPPED_DIRS = frozenset({"__pycache__"})
_CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def corpus_hashes(data_dir: Path) -> dict[str, str]:
    """Each corpus file's name and SHA-256, sorted by name (the files load_corpus reads)."""
    return {path.name: sha256_file(path) for path in sorted(data_dir.glob(CORPUS_PATTERN))}


def code_files(training_dir: Path) -> list[str]:
    """The training code's files, relative and sorted: what the image's COPY of training/ holds
    (.dockerignore leaves out data/, __pycache__ and *.pyc), the two locks apart."""
    found = []
    for path in training_dir.rglob("*"):
        relative = path.relative_to(training_dir)
        if relative.parts[0] == "data" or _SKIPPED_DIRS & set(relative.parts):
            continue
        name = relative.as_posix()
        if path.is_file() and not path.is_symlink() and path.suffix != ".pyc":
            found += [] if name in LOCK_FILES else [name]
    return sorted(found)


def code_digest(training_dir: Path) -> tuple[str, int]:
    """One SHA-256 over the code files (`sha256sum` lines, sorted by path), and their count."""
    files = code_files(training_dir)
    listing = "".join(f"{sha256_file(training_dir / name)}  {name}\n" for name in files)
    return hashlib.sha256(listing.encode("utf-8")).hexdigest(), len(files)


def lock_hashes(training_dir: Path) -> dict[str, str]:
    """The SHA-256 of each lock file in `training_dir` ("" when one is missing)."""
    return {
        name: sha256_file(training_dir / name) if (training_dir / name).is_file() else ""
        for name in LOCK_FILES
    }
