"""What the dashboard asks of the engine, in one object the app is handed when it is built.

`DashboardBackend` is the protocol; `DockerBackend` talks to a real engine. Tests hand the app
an object with fixed data instead. Every method blocks, so the app calls them in thread workers.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from typing import Any, Protocol

import docker

from tui.engine import containers as _containers
from tui.engine import images as _images
from tui.engine import podman as _podman
from tui.engine.actions import ContainerAction
from tui.engine.client import (
    DEFAULT_POOL_SIZE,
    START_HINT,
    cli_engine_args,
    connect,
    engine_address,
)
from tui.engine.compose import ComposeProject, ProjectAction, run_project_action
from tui.engine.containers import ContainerInfo, ProcessList
from tui.engine.contexts import EngineSpec
from tui.engine.events import EngineEvent, EventStream
from tui.engine.footprint import ContainerFootprint, running_footprints
from tui.engine.image_files import image_files
from tui.engine.images import ImageInfo, Layer
from tui.engine.inspect import inspect_object
from tui.engine.logs.sources import LogReader
from tui.engine.logs.stream import LogStream
from tui.engine.prune import PrunePlan, PruneResult, plan_prunes, run_prune
from tui.engine.stats.api import StatsSample, StatsStream, stats_once
from tui.engine.stats.cgroup import CgroupCollector
from tui.engine.stats.scheduler import StatsReader
from tui.engine.streams import Stream
from tui.engine.volumes import (
    NetworkInfo,
    VolumeInfo,
    list_networks,
    list_volumes,
    remove_network,
    remove_volume,
)
from tui.errors import LabError


class DashboardBackend(LogReader, StatsReader, Protocol):
    """Everything the dashboard needs from an engine (blocking calls, run them in workers)."""

    @property
    def name(self) -> str:
        """The engine's short unique name (a Host column's entry)."""
        ...

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

    def container_list(self) -> list[ContainerInfo]:
        """Every container as one list call gives it (not inspected: see from_summary)."""
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

    def events(self) -> Stream[EngineEvent]:
        """The engine's events from now on."""
        ...

    def container_action(self, container_id: str, action: ContainerAction) -> None:
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

    def compose_project(self, project: ComposeProject, action: ProjectAction) -> str:
        """Run a compose project action through the compose CLI (LabError saying why not)."""
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

    def inspect(self, kind: str, ref: str) -> dict[str, Any]:
        """The full `docker inspect` of a container, image, volume or network (LabError when
        it is gone)."""
        ...

    def image_files(self, image_id: str, wanted: Callable[[str], bool]) -> dict[str, bytes]:
        """The files of an image that `wanted` picks, read from its layers (its SBOM's)."""
        ...


# What a read-only dashboard may call on a backend (tui/engine/read_only.py refuses the rest).
# A new method of DashboardBackend goes in one of the two sets (tests/tui/test_read_only_gate.py).
BACKEND_READS = frozenset(
    {
        "name",
        "description",
        "connect",
        "ping",
        "close",
        "containers",
        "container_list",
        "container",
        "processes",
        "images",
        "history",
        "events",
        "logs",
        "stats",
        "stats_once",
        "footprints",
        "cgroup_collector",
        "volumes",
        "networks",
        "prune_plans",  # counts and sizes only: `docker system df` and lists
        "inspect",
        "spec",  # the engine's address (the Swarm tab finds a lab cluster's nodes by it)
        "is_podman",
        "image_files",  # an image's package lists, read for its SBOM
    }
)
BACKEND_CHANGES = frozenset(
    {
        "container_action",
        "remove_image",
        "compose_project",
        "remove_volume",
        "remove_network",
        "prune",
        "shell_argv",  # a shell runs a process in the container
        "docker_client",  # the whole engine: the lesson's containers, sandboxes and VM
    }
)


class EngineUnavailable(LabError):
    """The engine does not answer (yet)."""


class EngineOffer(Protocol):
    """Engines the dashboard may add while it runs: the docker contexts not watched yet."""

    def available(self) -> list[tuple[str, str]]:
        """(name, where it is) of each engine on offer now."""
        ...

    def open(self, name: str) -> DashboardBackend:
        """The backend of the offered engine `name` (LabError when it is no longer offered)."""
        ...


class DockerBackend:
    """The dashboard's backend on a real engine (Docker, or Podman's compatible API)."""

    def __init__(
        self,
        host: str | EngineSpec | None = None,
        pool_size: int = DEFAULT_POOL_SIZE,
        stats: str = "auto",
    ) -> None:
        """`host`: an EngineSpec, a URL, or None (what the docker CLI would use).

        `stats` is "auto" (cgroup files for a local engine, else the API), "api" or "cgroup".
        """
        if stats not in ("auto", "api", "cgroup"):
            raise LabError(f"unknown stats source {stats!r}: use auto, api or cgroup.")
        self.stats_source = stats
        self.spec = host if isinstance(host, EngineSpec) else engine_address(host)
        self.host = self.spec.url if isinstance(host, EngineSpec) else host
        self.pool_size = pool_size
        self._client: docker.DockerClient | None = None
        self._podman = False
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The engine's short unique name (a context's name, or the URL's host)."""
        return self.spec.name

    @property
    def description(self) -> str:
        """Where the engine is expected, and where that came from."""
        return f"{self.spec.url} (from {self.spec.source})"

    @property
    def is_podman(self) -> bool:
        """Whether the engine connected to is Podman (known after connect())."""
        return self._podman

    @property
    def api(self) -> docker.APIClient:
        """The low-level client; raises EngineUnavailable before a successful connect()."""
        client = self._client
        if client is None:
            raise EngineUnavailable(
                f"No Docker engine answers at {self.description}: {START_HINT}."
            )
        return client.api

    def connect(self) -> None:
        """Connect (again); raise LabError saying what was tried and how to start an engine."""
        client = connect(self.spec, pool_size=self.pool_size)
        try:
            podman = _podman.is_podman(client.version())
        except Exception as exc:
            client.close()
            raise EngineUnavailable(f"The engine at {self.description} stopped answering.") from exc
        with self._lock:
            old, self._client, self._podman = self._client, client, podman
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

    def container_list(self) -> list[ContainerInfo]:
        """Every container from one list call (what `docker ps -a` shows), not inspected."""
        return _containers.list_summaries(self.api)

    def container(self, container_id: str) -> ContainerInfo | None:
        """One container, or None when it is gone."""
        return _containers.inspect_container(self.api, container_id)

    def processes(self, container_id: str) -> ProcessList:
        """The processes running in a container (`docker top`)."""
        if self._podman:
            return _podman.container_processes(self.api, container_id)
        return _containers.container_processes(self.api, container_id)

    def images(self) -> list[ImageInfo]:
        """Every image with its container count."""
        return _images.list_images(self.api)

    def history(self, image_id: str) -> list[Layer]:
        """An image's layers, base first."""
        return _images.image_history(self.api, image_id)

    def stats(self, container_id: str) -> StatsStream:
        """A live stats stream of one container (Podman samples less often: a longer stall)."""
        if self._podman:
            return StatsStream(self.api, container_id, _podman.STATS_STALL_SECONDS)
        return StatsStream(self.api, container_id)

    def stats_once(
        self, container_id: str, before: StatsSample | None = None
    ) -> StatsSample | None:
        """One stats sample; without `before` the engine waits for its next collection."""
        return stats_once(self.api, container_id, before)

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

    def container_action(self, container_id: str, action: ContainerAction) -> None:
        """start, stop, restart, kill, pause, unpause or remove a container."""
        _containers.container_action(self.api, container_id, action)

    def remove_image(self, image_id: str, force: bool = False) -> None:
        """Remove an image."""
        _images.remove_image(self.api, image_id, force=force)

    def cgroup_collector(self) -> CgroupCollector | None:
        """The cgroup collector, unless told to use the API or the engine is not a local Docker.

        A remote engine's cgroups are not on this machine, and Podman's are laid out otherwise:
        both use the API whatever `stats` says.
        """
        if self.stats_source == "api" or not self.spec.is_local or self._podman:
            return None
        return CgroupCollector()

    def docker_client(self) -> docker.DockerClient:
        """The high-level client (the lesson drives the engine through it)."""
        client = self._client
        if client is None:
            raise EngineUnavailable(
                f"No Docker engine answers at {self.description}: {START_HINT}."
            )
        return client

    def footprints(self) -> list[ContainerFootprint]:
        """Memory, start time and image size of every running container (VM baseline)."""
        return running_footprints(self.docker_client())

    def shell_argv(self, container_id: str) -> list[str]:
        """`docker exec -it <id> sh` against the same engine (bash when the image has it)."""
        docker_cli = shutil.which("docker") or "docker"
        host = cli_engine_args(self.spec)
        shell = "if command -v bash >/dev/null; then exec bash; else exec sh; fi"
        return [docker_cli, *host, "exec", "-it", container_id, "sh", "-c", shell]

    def compose_project(self, project: ComposeProject, action: ProjectAction) -> str:
        """The compose CLI on the same engine: up (recreate), down, restart, stop or start."""
        host = self.spec.url if self.spec.source != "default" else None
        return run_project_action(project, action, host=host)

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

    def inspect(self, kind: str, ref: str) -> dict[str, Any]:
        """The engine's full inspect document (`docker inspect`)."""
        return inspect_object(self.api, kind, ref)

    def image_files(self, image_id: str, wanted: Callable[[str], bool]) -> dict[str, bytes]:
        """The files of an image that `wanted` picks, from the engine's `image save` stream."""
        return image_files(self.docker_client(), image_id, wanted)

    def close(self) -> None:
        """Close the client's connections."""
        if self._client is not None:
            self._client.close()
