"""The engine calls provisioning makes (tui/host): is an engine there, and the base image on it."""

from __future__ import annotations

from pathlib import Path

import docker
from docker.errors import DockerException, ImageNotFound

from tui.engine.client import engine_address


def engine_answers(url: str) -> bool:
    """True when an engine answers a ping at `url` within a few seconds."""
    try:
        client = docker.DockerClient(base_url=url, version="auto", timeout=5)
    except DockerException:
        return False
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


def _client(host: str | None, timeout: int) -> docker.DockerClient:
    return docker.DockerClient(base_url=engine_address(host).url, version="auto", timeout=timeout)


def has_image(image: str, host: str | None = None) -> bool:
    """True when the engine has `image` locally."""
    client = _client(host, 30)
    try:
        client.images.get(image)
        return True
    except ImageNotFound:
        return False
    finally:
        client.close()


def pull_image(image: str, host: str | None = None) -> bool:
    """Pull `image`; False when no registry gives it (none answers here)."""
    client = _client(host, 600)
    try:
        client.images.pull(image)
        return True
    except DockerException:
        return False
    finally:
        client.close()


def import_rootfs(tarball: Path, image: str, host: str | None = None) -> None:
    """`docker import` a root filesystem tarball as `image`, with bash as its command."""
    repository, _, tag = image.partition(":")
    client = _client(host, 600)
    try:
        client.api.import_image(
            src=str(tarball), repository=repository, tag=tag or "latest", changes=['CMD ["bash"]']
        )
    finally:
        client.close()
