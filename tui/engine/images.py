"""Images: the image list, how many containers use each, and an image's layer history."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import docker

from tui.engine.client import EngineClient
from tui.engine.errors import ImageMissing, engine_errors
from tui.text import printable


@dataclass(frozen=True)
class ImageInfo:
    """One image as the image list shows it."""

    id: str  # sha256:…
    tags: tuple[str, ...]
    size: int
    created: datetime
    containers: int
    labels: Mapping[str, str]

    @property
    def short_id(self) -> str:
        """The 12 hex digits `docker images` shows."""
        return self.id.removeprefix("sha256:")[:12]

    @property
    def dangling(self) -> bool:
        """True for an image no tag points at (`<none>:<none>`)."""
        return not self.tags

    @property
    def name(self) -> str:
        """repository:tag (the first tag), or <none>:<none>."""
        return self.tags[0] if self.tags else "<none>:<none>"


@dataclass(frozen=True)
class Layer:
    """One step of an image's history: the layer's size and the instruction that made it."""

    id: str
    created: datetime
    size: int
    instruction: str
    comment: str


_BUILD_ARGS = re.compile(r"^\|\d+ (?:\S+=\S* )*")
_SHELL = re.compile(r"^/\S+(?: \S+)*? -c (.*)$")


def clean_instruction(created_by: str) -> str:
    """Turn `/bin/sh -c #(nop)  CMD ["sh"]` into `CMD ["sh"]` and `/bin/sh -c x` into `RUN x`.

    Any shell (`/bin/bash -o pipefail -c`) and the `|2 A=1 B=2` build-argument prefix go too.
    """
    text = _BUILD_ARGS.sub("", " ".join(created_by.split()))
    match = _SHELL.match(text)
    if match is None:
        return text
    command = match.group(1)
    if command.startswith("#(nop) "):
        return command.removeprefix("#(nop) ").strip()
    return "RUN " + command


def count_containers(image_ids_in_use: Iterable[str]) -> Counter[str]:
    """How many containers use each image id."""
    return Counter(image_ids_in_use)


def image_from_summary(summary: Mapping[str, Any], containers: int) -> ImageInfo:
    """Build from one entry of the engine's image list."""
    tags = tuple(printable(t) for t in summary.get("RepoTags") or () if t != "<none>:<none>")
    labels = summary.get("Labels") or {}
    return ImageInfo(
        id=str(summary["Id"]),
        tags=tags,
        size=int(summary.get("Size") or 0),
        created=datetime.fromtimestamp(int(summary.get("Created") or 0), UTC),
        containers=containers,
        labels={printable(str(k)): printable(str(v)) for k, v in labels.items()},
    )


def list_images(api: docker.APIClient) -> list[ImageInfo]:
    """Every image (dangling ones included), with the number of containers using each."""
    used = count_containers(c.get("ImageID", "") for c in api.containers(all=True))
    return [image_from_summary(s, used.get(s["Id"], 0)) for s in api.images(all=False)]


def layers_from_history(history: Iterable[Mapping[str, Any]]) -> list[Layer]:
    """The history entries, base layer first (the engine returns newest first)."""
    layers = [
        Layer(
            id=str(h.get("Id") or "<missing>"),
            created=datetime.fromtimestamp(int(h.get("Created") or 0), UTC),
            size=int(h.get("Size") or 0),
            instruction=printable(clean_instruction(str(h.get("CreatedBy") or ""))),
            comment=printable(str(h.get("Comment") or "")),
        )
        for h in history
    ]
    layers.reverse()
    return layers


def image_history(api: docker.APIClient, image_id: str) -> list[Layer]:
    """The layer history of one image, base layer first."""
    return layers_from_history(api.history(image_id))


def remove_image(api: docker.APIClient, image_id: str, force: bool = False) -> None:
    """Remove an image (the engine refuses one a container uses unless forced)."""
    api.remove_image(image_id, force=force)


def image_id(client: EngineClient, ref: str) -> str | None:
    """The id of the local image `ref` (a tag or an id); None when the engine has none."""
    try:
        with engine_errors():
            return str(client.images.get(ref).id)
    except ImageMissing:
        return None


def image_labels(client: EngineClient, ref: str) -> dict[str, str] | None:
    """The labels of the local image `ref`; None when the engine has no such image."""
    try:
        with engine_errors():
            return dict(client.images.get(ref).labels or {})
    except ImageMissing:
        return None
