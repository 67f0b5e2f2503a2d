"""Containers and networks the lab and the lesson create and drive, as handles.

Every call goes through docker-py and comes back with the project's errors (tui.engine.errors),
so the callers above the engine never import docker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import requests
from docker.models.containers import Container
from docker.models.networks import Network
from docker.types import Mount

from tui.engine.client import EngineClient
from tui.engine.errors import NotFoundError, WaitTimedOut, engine_errors
from tui.engine.footprint import container_memory
from tui.engine.logs.stream import LogStream


def bind_mount(target: str, source: str, *, read_only: bool) -> Mount:
    """A bind mount of the host's `source` at `target`, for `create_container(mounts=[...])`."""
    return Mount(target, source, type="bind", read_only=read_only)


class ContainerHandle:
    """One container: its name, labels and state, and what the lab does with it."""

    def __init__(self, container: Container) -> None:
        """Wrap docker-py's container object (tui.engine's functions make handles)."""
        self._container = container

    @property
    def id(self) -> str:
        """The full id."""
        return self._container.id or ""

    @property
    def short_id(self) -> str:
        """The 12-character id."""
        return str(self._container.short_id)

    @property
    def name(self) -> str:
        """The name, without the engine's leading slash."""
        return self._container.name or ""

    @property
    def labels(self) -> dict[str, str]:
        """The labels it was created with."""
        with engine_errors():
            return dict(self._container.labels)

    @property
    def status(self) -> str:
        """created, running, exited, … as of the last `reload` (or the listing that found it)."""
        return str(self._container.status)

    @property
    def ports(self) -> dict[str, Any]:
        """Published ports as the engine reports them (`{"8080/tcp": [{"HostPort": …}]}`)."""
        return dict(self._container.ports or {})

    def reload(self) -> None:
        """Read its state again from the engine."""
        with engine_errors():
            self._container.reload()

    def start(self) -> None:
        """Start it."""
        with engine_errors():
            self._container.start()

    def stop(self, timeout: int = 10) -> None:
        """Stop it, killing it after `timeout` seconds."""
        with engine_errors():
            self._container.stop(timeout=timeout)

    def remove(self) -> None:
        """Force-remove it (NotFoundError when it is gone already)."""
        with engine_errors():
            self._container.remove(force=True)

    def wait(self, timeout: float) -> int:
        """Block until it ends and return its exit code; WaitTimedOut after `timeout` seconds.

        docker-py gives the wait's HTTP read timeout to requests: it ends as ReadTimeout, or as a
        ConnectionError wrapping urllib3's ReadTimeoutError, depending on the transport.
        """
        try:
            with engine_errors():
                status = self._container.wait(timeout=timeout)
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as exc:
            raise WaitTimedOut(str(exc)) from exc
        return int(status.get("StatusCode", -1))

    def output(self, *, stdout: bool, stderr: bool) -> str:
        """What it printed on the chosen streams, decoded (bad UTF-8 replaced)."""
        with engine_errors():
            data = self._container.logs(stdout=stdout, stderr=stderr)
        return bytes(data).decode("utf-8", "replace")

    def follow_logs(self) -> LogStream:
        """All its log lines, then the live ones until it ends."""
        with engine_errors():
            return LogStream(self._container.client.api, self.id, follow=True, tail="all")

    def attach_output(self) -> Iterator[bytes]:
        """Its stdout and stderr as raw chunks, from its first line on (attach before start)."""
        with engine_errors():
            stream = self._container.attach(stdout=True, stderr=True, stream=True, logs=True)
        return iter(stream)

    def send_stdin(self, data: bytes) -> None:
        """Write `data` to its stdin (it must have been created with stdin_open)."""
        with engine_errors():
            sock = self._container.client.api.attach_socket(
                self.id, params={"stdin": 1, "stream": 1}
            )
        try:
            os.write(sock.fileno(), data)  # the attach socket's own descriptor: no wrapper's buffer
        finally:
            sock.close()

    def host_pid(self) -> int:
        """Its init process's pid on the host, read afresh (0 when it does not run)."""
        self.reload()
        return int(self._container.attrs["State"]["Pid"])

    def memory(self) -> int | None:
        """Its working set from one stats sample (None when it does not run)."""
        return container_memory(self._container)

    def export(self) -> Iterator[bytes]:
        """Its root filesystem as a tar stream (`docker export`)."""
        with engine_errors():
            yield from self._container.export()


class NetworkHandle:
    """One network, to name and remove."""

    def __init__(self, network: Network) -> None:
        """Wrap docker-py's network object."""
        self._network = network

    @property
    def name(self) -> str:
        """Its name."""
        return self._network.name or ""

    def remove(self) -> None:
        """Remove it (NotFoundError when it is gone already)."""
        with engine_errors():
            self._network.remove()


def create_container(client: EngineClient, **config: Any) -> ContainerHandle:
    """Create (not start) a container from `containers.create` keyword arguments."""
    with engine_errors():
        return ContainerHandle(client.containers.create(**config))


def run_container(client: EngineClient, **config: Any) -> ContainerHandle:
    """Create and start a container, detached, from `containers.run` keyword arguments."""
    with engine_errors():
        return ContainerHandle(client.containers.run(**{**config, "detach": True}))


def find_container(client: EngineClient, name: str) -> ContainerHandle | None:
    """The container with this name or id; None when there is none."""
    try:
        with engine_errors():
            return ContainerHandle(client.containers.get(name))
    except NotFoundError:
        return None


def labelled_containers(
    client: EngineClient, label_filter: str | list[str]
) -> list[ContainerHandle]:
    """Containers (running or not) matching the engine's label filter (`key` or `key=value`)."""
    with engine_errors():
        found = client.containers.list(
            ignore_removed=True, all=True, filters={"label": label_filter}
        )
    return [ContainerHandle(container) for container in found]


def labelled_networks(client: EngineClient, label_filter: str | list[str]) -> list[NetworkHandle]:
    """Networks matching the engine's label filter."""
    with engine_errors():
        found = client.networks.list(filters={"label": label_filter})
    return [NetworkHandle(network) for network in found]
