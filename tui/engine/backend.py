"""What the dashboard asks of the engine, in one object the app is handed when it is built.

`DashboardBackend` is the protocol; `DockerBackend` talks to a real engine. Tests hand the app
an object with fixed data instead. Every method blocks, so the app calls them in thread workers.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from typing import Protocol, TypeVar

import docker

from tui.engine import containers as _containers
from tui.engine import images as _images
from tui.engine.cgroup_stats import CgroupCollector
from tui.engine.client import DEFAULT_POOL_SIZE, START_HINT, connect, engine_address
from tui.engine.containers import ContainerInfo, ProcessList
from tui.engine.events import EngineEvent, EventStream
from tui.engine.footprint import ContainerFootprint, running_footprints
from tui.engine.images import ImageInfo, Layer
from tui.engine.logs import LogLine, LogStream
from tui.engine.prune import PrunePlan, PruneResult, plan_prunes, run_prune
from tui.engine.stats import StatsSample, StatsStream
from tui.engine.volumes import (
    NetworkInfo,
    VolumeInfo,
    list_networks,
    list_volumes,
    remove_network,
    remove_volume,
)
from tui.errors import LabError

T_co = TypeVar("T_co", covariant=True)


class Stream(Protocol[T_co]):
    """A blocking stream of items that another thread can close."""

    def __iter__(self) -> Iterator[T_co]: ...

    def close(self) -> None: ...


class DashboardBackend(Protocol):
    """Everything the dashboard needs from an engine (blocking calls, run them in workers)."""

    @property
    def description(self) -> str:
        """Where the engine is expected, and where that came from."""
        ...

    def connect(self) -> None:
        """Connect (again); raise LabError saying what was tried and how to start an engine."""

    def ping(self) -> bool:
        """True when the engine answers."""
        ...

    def containers(self) -> list[ContainerInfo]:
        """Every container."""
        ...

    def container(self, container_id: str) -> ContainerInfo | None:
        """One container, or None when it is gone."""

    def processes(self, container_id: str) -> ProcessList:
        """The processes running in a container (`docker top`)."""
        ...

    def images(self) -> list[ImageInfo]:
        """Every image."""
        ...

    def history(self, image_id: str) -> list[Layer]:
        """An image's layers, base first."""
        ...

    def stats(self, container_id: str) -> Stream[StatsSample]:
        """A live stats stream of one container."""
        ...

    def logs(
        self,
        container_id: str,
        *,
        follow: bool,
        tail: int | str,
        tty: bool,
        since: float | None = None,
        source: str = "",
    ) -> Stream[LogLine]:
        """The logs of one container: the last `tail` lines ("all"), none before `since`."""
        ...

    def events(self) -> Stream[EngineEvent]:
        """The engine's events from now on."""
        ...

    def container_action(self, container_id: str, action: str) -> None:
        """start, stop, restart, kill, pause, unpause or remove a container."""

    def remove_image(self, image_id: str, force: bool = False) -> None:
        """Remove an image."""

    def footprints(self) -> list[ContainerFootprint]:
        """Memory, start time and image size of every running container (VM baseline)."""
        ...

    def cgroup_collector(self) -> CgroupCollector | None:
        """A collector reading cgroup files, when stats may come from them (a local engine)."""
        ...

    def shell_argv(self, container_id: str) -> list[str]:
        """The command that opens an interactive shell in a running container."""
        ...

    def volumes(self) -> list[VolumeInfo]:
        """Every volume, with its size and users."""
        ...

    def networks(self) -> list[NetworkInfo]:
        """Every network, with its subnets and users."""
        ...

    def remove_volume(self, name: str) -> None:
        """Remove an unused volume (LabError for one in use)."""

    def remove_network(self, network_id: str) -> None:
        """Remove an unused network (LabError for one in use or the engine's own)."""

    def prune_plans(self) -> list[PrunePlan]:
        """What each prune would remove and free."""
        ...

    def prune(self, plan: PrunePlan) -> PruneResult:
        """Remove exactly what `plan` lists."""
        ...


class EngineDown(LabError):
    """The engine does not answer (yet)."""


class DockerBackend:
    """The dashboard's backend on a real engine, through docker-py's low-level API."""

    def __init__(
        self, host: str | None = None, pool_size: int = DEFAULT_POOL_SIZE, stats: str = "auto"
    ) -> None:
        """`stats` is "auto" (cgroup files for a local engine, else the API), "api" or "cgroup"."""
        if stats not in ("auto", "api", "cgroup"):
            raise LabError(f"unknown stats source {stats!r}: use auto, api or cgroup.")
        self.stats_source = stats
        self.host = host
        self.pool_size = pool_size
        self._address = engine_address(host)
        self._client: docker.DockerClient | None = None
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        """Where the engine is expected, and where that came from."""
        return f"{self._address.url} (from {self._address.source})"

    @property
    def api(self) -> docker.APIClient:
        """The low-level client; raises EngineDown before a successful connect()."""
        client = self._client
        if client is None:
            raise EngineDown(f"No Docker engine answers at {self.description}: {START_HINT}.")
        return client.api

    def connect(self) -> None:
        """Connect (again); raise LabError saying what was tried and how to start an engine."""
        client = connect(self.host, pool_size=self.pool_size)
        with self._lock:
            old, self._client = self._client, client
        if old is not None:
            old.close()

    def ping(self) -> bool:
        """True when the engine answers."""
        try:
            return bool(self.api.ping())
        except Exception:
            return False

    def containers(self) -> list[ContainerInfo]:
        """Every container, inspected."""
        return _containers.list_containers(self.api)

    def container(self, container_id: str) -> ContainerInfo | None:
        """One container, or None when it is gone."""
        return _containers.inspect_container(self.api, container_id)

    def processes(self, container_id: str) -> ProcessList:
        """The processes running in a container (`docker top`)."""
        return _containers.container_processes(self.api, container_id)

    def images(self) -> list[ImageInfo]:
        """Every image with its container count."""
        return _images.list_images(self.api)

    def history(self, image_id: str) -> list[Layer]:
        """An image's layers, base first."""
        return _images.image_history(self.api, image_id)

    def stats(self, container_id: str) -> StatsStream:
        """A live stats stream of one container."""
        return StatsStream(self.api, container_id)

    def logs(
        self,
        container_id: str,
        *,
        follow: bool,
        tail: int | str,
        tty: bool,
        since: float | None = None,
        source: str = "",
    ) -> LogStream:
        """The logs of one container: the last `tail` lines, then live ones if following.

        `source` (a container name) is stamped on each line, for logs merged from several.
        """
        return LogStream(
            self.api, container_id, follow=follow, tail=tail, tty=tty, since=since, source=source
        )

    def events(self) -> EventStream:
        """The engine's container and image events from now on."""
        return EventStream(self.api)

    def container_action(self, container_id: str, action: str) -> None:
        """start, stop, restart, kill, pause, unpause or remove a container."""
        _containers.container_action(self.api, container_id, action)

    def remove_image(self, image_id: str, force: bool = False) -> None:
        """Remove an image."""
        _images.remove_image(self.api, image_id, force=force)

    def cgroup_collector(self) -> CgroupCollector | None:
        """The cgroup collector unless told to use the API, or the engine is not local."""
        if self.stats_source == "api" or (
            self.stats_source == "auto" and not self._address.is_local
        ):
            return None
        return CgroupCollector()

    def docker_client(self) -> docker.DockerClient:
        """The high-level client (the lesson drives the engine through it)."""
        client = self._client
        if client is None:
            raise EngineDown(f"No Docker engine answers at {self.description}: {START_HINT}.")
        return client

    def footprints(self) -> list[ContainerFootprint]:
        """Memory, start time and image size of every running container (VM baseline)."""
        return running_footprints(self.docker_client())

    def shell_argv(self, container_id: str) -> list[str]:
        """`docker exec -it <id> sh` against the same engine (bash when the image has it)."""
        docker_cli = shutil.which("docker") or "docker"
        host = ["-H", self._address.url] if self._address.source != "default" else []
        shell = "if command -v bash >/dev/null; then exec bash; else exec sh; fi"
        return [docker_cli, *host, "exec", "-it", container_id, "sh", "-c", shell]

    def volumes(self) -> list[VolumeInfo]:
        """Every volume, with its size (`system df`) and users."""
        return list_volumes(self.api)

    def networks(self) -> list[NetworkInfo]:
        """Every network, with its subnets and users."""
        return list_networks(self.api)

    def remove_volume(self, name: str) -> None:
        """Remove an unused volume."""
        remove_volume(self.api, name)

    def remove_network(self, network_id: str) -> None:
        """Remove an unused network."""
        remove_network(self.api, network_id)

    def prune_plans(self) -> list[PrunePlan]:
        """What each prune would remove and free."""
        return plan_prunes(self.api)

    def prune(self, plan: PrunePlan) -> PruneResult:
        """Remove exactly what `plan` lists."""
        return run_prune(self.api, plan)

    def close(self) -> None:
        """Close the client's connections."""
        if self._client is not None:
            self._client.close()
