"""The training image: built from the project's Dockerfile for the lab user's ids.

Each build also labels the image with what a model's provenance records about it and the host
alone knows: the Dockerfile's SHA-256 and the base image's name and id.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from training.inputs import sha256_file
from tui.engine.build import BuildResult, build_image
from tui.engine.client import EngineClient
from tui.engine.images import image_id, image_labels
from tui.lab.identity import LabIdentity
from tui.paths import LabPaths

TRAINING_IMAGE = "container-lab/training:latest"
IMAGE_ENV = "LAB_IMAGE"  # another tag, as compose.yaml reads it
USER_LABEL = "org.container-lab.user-id"
GROUP_LABEL = "org.container-lab.group-id"
DOCKERFILE_LABEL = "org.container-lab.dockerfile-sha256"
BASE_LABEL = "org.container-lab.base-image"
BASE_ID_LABEL = "org.container-lab.base-image-id"
DEFAULT_BASE = "debian:bookworm-slim"
_BASE_ARG = re.compile(r"^ARG\s+BASE_IMAGE=(\S+)\s*$", re.MULTILINE)


def base_image_name(dockerfile: Path) -> str:
    """The base image the Dockerfile builds on (its `ARG BASE_IMAGE=` default)."""
    try:
        match = _BASE_ARG.search(dockerfile.read_text(encoding="utf-8"))
    except OSError:
        match = None
    return match[1] if match else DEFAULT_BASE


def provenance_labels(client: EngineClient, paths: LabPaths) -> dict[str, str]:
    """The labels a build gives the image for the provenance of models trained in it."""
    dockerfile = paths.project / "Dockerfile"
    base = base_image_name(dockerfile)
    return {
        DOCKERFILE_LABEL: sha256_file(dockerfile) if dockerfile.is_file() else "",
        BASE_LABEL: base,
        BASE_ID_LABEL: image_id(client, base) or "",
    }


def training_image_tag() -> str:
    """$LAB_IMAGE, else the lab's own tag."""
    return os.environ.get(IMAGE_ENV) or TRAINING_IMAGE


def image_matches(client: EngineClient, tag: str, identity: LabIdentity) -> bool:
    """Whether `tag` exists and was built for these ids."""
    labels = image_labels(client, tag)
    if labels is None:
        return False
    return labels.get(USER_LABEL) == str(identity.uid) and labels.get(GROUP_LABEL) == str(
        identity.gid
    )


def ensure_training_image(
    client: EngineClient,
    paths: LabPaths,
    identity: LabIdentity,
    *,
    tag: str = TRAINING_IMAGE,
    only_if_missing: bool = False,
    nocache: bool = False,
    labels: dict[str, str] | None = None,
    on_line: Callable[[str], None] | None = None,
) -> BuildResult | None:
    """Build the image (the layer cache makes an unchanged rebuild take a second or two).

    With `only_if_missing`, keep an existing image built for these ids and return None.
    """
    if only_if_missing and image_matches(client, tag, identity):
        return None
    return build_image(
        client,
        paths.project,
        tag,
        buildargs={"USER_ID": str(identity.uid), "GROUP_ID": str(identity.gid)},
        labels={**provenance_labels(client, paths), **(labels or {})},
        on_line=on_line,
        nocache=nocache,
    )
