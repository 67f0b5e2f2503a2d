"""What an engine says about itself and an image: the facts a training run's provenance records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.engine.client import EngineClient
from tui.engine.errors import ImageMissing, engine_errors
from tui.engine.podman import is_podman


@dataclass(frozen=True)
class EngineFacts:
    """The engine's kind and version, its OS and kernel, its default and known runtimes."""

    name: str  # "docker" or "podman"
    version: str
    api_version: str
    os: str
    kernel: str
    default_runtime: str
    runtimes: tuple[str, ...] = ()

    def as_record(self) -> dict[str, Any]:
        """The engine as the provenance records it."""
        return {"name": self.name, "version": self.version, "api_version": self.api_version,
                "os": self.os}  # fmt: skip


@dataclass(frozen=True)
class ImageFacts:
    """An image's id and labels."""

    id: str
    labels: dict[str, str] = field(default_factory=dict)


def engine_facts(client: EngineClient) -> EngineFacts:
    """Ask the engine (`docker version` and `docker info`)."""
    with engine_errors():
        version: dict[str, Any] = client.version()
        info: dict[str, Any] = client.info()
    runtimes = info.get("Runtimes") or {}
    return EngineFacts(
        name="podman" if is_podman(version) else "docker",
        version=str(version.get("Version", "")),
        api_version=str(version.get("ApiVersion", "")),
        os=str(info.get("OperatingSystem", "")),
        kernel=str(info.get("KernelVersion", "")),
        default_runtime=str(info.get("DefaultRuntime", "") or ""),
        runtimes=tuple(sorted(runtimes)) if isinstance(runtimes, dict) else (),
    )


def runtime_paths(client: EngineClient) -> dict[str, str]:
    """Each runtime the engine lists, with the program it runs."""
    with engine_errors():
        runtimes = client.info().get("Runtimes") or {}
    return {name: str((entry or {}).get("path", "")) for name, entry in runtimes.items()}


def image_facts(client: EngineClient, ref: str) -> ImageFacts | None:
    """The image's id and labels; None when the engine has no such image."""
    try:
        with engine_errors():
            image = client.images.get(ref)
            return ImageFacts(str(image.id), dict(image.labels or {}))
    except ImageMissing:
        return None


def container_runtime(client: EngineClient, container_id: str) -> str:
    """The runtime a created container runs with ('' when the engine does not say)."""
    with engine_errors():
        attrs = client.api.inspect_container(container_id)
    return str((attrs.get("HostConfig") or {}).get("Runtime") or "")
