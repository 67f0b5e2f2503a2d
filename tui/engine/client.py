"""Connecting to the Docker engine: one place that knows DOCKER_HOST, --host and the pool size."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import docker
import requests
from docker.errors import DockerException, create_api_error_from_http_exception

from tui.errors import LabError

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
# docker-py keeps 10 connections per client by default; every open log, events or stats stream
# holds one, so the dashboard asks for more than it will ever stream at once.
DEFAULT_POOL_SIZE = 256
START_HINT = "start one with `container-lab engine up` (or `sudo dockerd &`)"


@dataclass(frozen=True)
class EngineAddress:
    """Where the engine is expected: an explicit host, $DOCKER_HOST, or the default socket."""

    url: str
    source: str  # "--host", "DOCKER_HOST" or "default"

    @property
    def is_local(self) -> bool:
        """True when the engine runs on this machine (a unix socket)."""
        return self.url.startswith("unix://")


def engine_address(host: str | None = None) -> EngineAddress:
    """Resolve which engine to talk to, in the docker CLI's order of precedence."""
    if host:
        return EngineAddress(host, "--host")
    env = os.environ.get("DOCKER_HOST")
    if env:
        return EngineAddress(env, "DOCKER_HOST")
    return EngineAddress(DEFAULT_SOCKET, "default")


def connect(
    host: str | None = None, *, pool_size: int = DEFAULT_POOL_SIZE, timeout: int = 60
) -> docker.DockerClient:
    """Return a client for the engine at `host` that has answered a ping, or raise LabError."""
    address = engine_address(host)
    try:
        client = docker.DockerClient(
            base_url=address.url, version="auto", max_pool_size=pool_size, timeout=timeout
        )
        client.ping()
    except DockerException as exc:
        raise LabError(
            f"No Docker engine answers at {address.url} (from {address.source}): {START_HINT}."
        ) from exc
    return client


def is_engine_up(client: docker.DockerClient) -> bool:
    """Ping the engine; False instead of an exception when it is gone."""
    try:
        return bool(client.ping())
    except Exception:
        return False


def open_engine_stream(
    api: docker.APIClient, path: str, params: Mapping[str, object], timeout: float | None
) -> requests.Response:
    """GET a streaming endpoint of the engine's API through docker-py's public surface.

    `timeout` bounds each read (None: wait for ever, as a followed log must); an HTTP error
    becomes docker-py's own APIError subclass (NotFound, ...).
    """
    url = f"{api.base_url}/v{api.api_version}{path}"
    response = api.get(url, params=params, stream=True, timeout=timeout)
    try:
        response.raise_for_status()
    except requests.exceptions.HTTPError as exc:
        raise create_api_error_from_http_exception(exc) from exc
    return response


# What lab and baseline code hold and hand back to tui.engine's functions; they never call it.
EngineClient = docker.DockerClient
