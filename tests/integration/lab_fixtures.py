"""A throwaway copy of the lab for the tests: its own folder, keys, models and image tag."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import session_tag
from tui.lab.keys import init_keys
from tui.paths import LabPaths

PROJECT = Path(__file__).resolve().parents[2]
TEST_IMAGE_TAG = session_tag()


def copy_lab(target: Path) -> LabPaths:
    """Copy what the image and the service need into `target` and make fresh keys there."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("Dockerfile", ".dockerignore", "compose.yaml"):
        shutil.copy2(PROJECT / name, target / name)
    shutil.copytree(
        PROJECT / "training",
        target / "training",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    paths = LabPaths(target)
    init_keys(paths)
    return paths
