"""Where the lab keeps its things: the project folder, the lab folder, models and keys."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ENV = "CONTAINER_LAB_PROJECT"


def find_project_dir(start: Path | None = None) -> Path:
    """The project folder: $CONTAINER_LAB_PROJECT, or the nearest parent with compose.yaml."""
    override = os.environ.get(PROJECT_ENV)
    if override:
        return Path(override).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "compose.yaml").is_file() and (folder / "Dockerfile").is_file():
            return folder
    # Installed from a checkout in editable mode: the package sits beside compose.yaml.
    package_parent = Path(__file__).resolve().parent.parent
    if (package_parent / "compose.yaml").is_file():
        return package_parent
    return here


@dataclass(frozen=True)
class LabPaths:
    """The folders of one lab, all derived from the project folder."""

    project: Path

    @property
    def lab(self) -> Path:
        """The git-ignored folder for keys, measured profiles and logs."""
        return self.project / ".lab"

    @property
    def models(self) -> Path:
        """Where signed model tarballs appear."""
        return self.project / "models"

    @property
    def data(self) -> Path:
        """The labelled corpus, mounted read-only into the container."""
        return self.project / "training" / "data"

    @property
    def keys(self) -> Path:
        """Private signing material: the secret key and its passphrase (never in an image)."""
        return self.lab / "keys"

    @property
    def trusted_keys(self) -> Path:
        """special_k's SERIALIZATION_TRUSTED_KEYS_DIR: public keys, trustdb, fingerprints."""
        return self.lab / "trusted-keys"

    @property
    def env_file(self) -> Path:
        """Compose's .env with USER_ID and GROUP_ID."""
        return self.project / ".env"


def lab_paths(project: Path | None = None) -> LabPaths:
    """The lab's paths for `project`, or for the project found from the current folder."""
    return LabPaths(project or find_project_dir())
