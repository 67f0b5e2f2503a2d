"""Where the lab keeps its things: the project folder, the lab folder, models and keys."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from urllib.parse import unquote, urlsplit

PROJECT_ENV = "CONTAINER_LAB_PROJECT"
DISTRIBUTION = "container-lab"


def _is_lab(folder: Path) -> bool:
    return (folder / "compose.yaml").is_file() and (folder / "Dockerfile").is_file()


def _installed_from() -> Path | None:
    """The checkout this package was installed from (`uv tool install .`, `pip install .`,
    editable or not), as the installer recorded it (PEP 610 direct_url.json)."""
    try:
        text = distribution(DISTRIBUTION).read_text("direct_url.json")
        url = str(json.loads(text or "{}").get("url", ""))
    except (PackageNotFoundError, ValueError, AttributeError):
        return None
    if not url.startswith("file://"):
        return None
    folder = Path(unquote(urlsplit(url).path))
    return folder if _is_lab(folder) else None


def find_project(start: Path | None = None) -> tuple[Path, str]:
    """The project folder and how it was found: $CONTAINER_LAB_PROJECT, else the nearest
    folder (from `start`, default the current one) with compose.yaml and Dockerfile, else the
    checkout the console script was installed from, else the current folder."""
    override = os.environ.get(PROJECT_ENV)
    if override:
        return Path(override).resolve(), f"${PROJECT_ENV}"
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_lab(folder):
            return folder, "the current folder" if folder == here else "a folder above this one"
    # Installed from a checkout in editable mode: the package sits beside compose.yaml.
    package_parent = Path(__file__).resolve().parent.parent
    if _is_lab(package_parent):
        return package_parent, "the checkout this package runs from"
    installed_from = _installed_from()
    if installed_from is not None:
        return installed_from, "the checkout container-lab was installed from"
    return here, "the current folder (no lab found: it has no compose.yaml and Dockerfile)"


def find_project_dir(start: Path | None = None) -> Path:
    """The project folder (see find_project)."""
    return find_project(start)[0]


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
