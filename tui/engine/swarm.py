"""A Swarm as the dashboard shows it: nodes, services, tasks and stacks, read from a manager.

Each object is reduced from the engine's JSON to what a row shows (`from_raw`); the lists come
from the manager's API through docker-py's low-level client. Actions are in swarm_actions.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import docker

from tui.engine.errors import engine_errors

STACK_LABEL = "com.docker.stack.namespace"
NANO = 1_000_000_000
# Task states a task passes through before it runs, and those it ends in.
STARTING = frozenset({"new", "pending", "assigned", "accepted", "preparing", "ready", "starting"})
ENDED = frozenset({"complete", "shutdown", "failed", "rejected", "orphaned", "remove"})


def parse_time(text: object) -> datetime | None:
    """An engine timestamp (RFC 3339, nanoseconds) as an aware datetime; None when unset."""
    if not isinstance(text, str) or not text or text.startswith("0001-"):
        return None
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        return None


def short_image(image: str) -> str:
    """An image reference without its digest (`debian:bookworm-slim@sha256:…` → the tag)."""
    return image.split("@", 1)[0]


@dataclass(frozen=True)
class SwarmInfo:
    """What one engine says of its Swarm membership (`docker info`'s Swarm part)."""

    state: str  # inactive, pending, active, error, locked
    node_id: str = ""
    cluster_id: str = ""
    is_manager: bool = False
    error: str = ""
    heartbeat_seconds: float = 0.0

    @property
    def active(self) -> bool:
        """True when the engine is a member of a Swarm."""
        return self.state == "active"

    @classmethod
    def from_info(cls, info: Mapping[str, Any]) -> SwarmInfo:
        """From `GET /info`."""
        swarm = info.get("Swarm") or {}
        cluster = swarm.get("Cluster") or {}
        period = ((cluster.get("Spec") or {}).get("Dispatcher") or {}).get("HeartbeatPeriod", 0)
        return cls(
            state=str(swarm.get("LocalNodeState") or "inactive"),
            node_id=str(swarm.get("NodeID") or ""),
            cluster_id=str(cluster.get("ID") or ""),
            is_manager=bool(swarm.get("ControlAvailable")),
            error=str(swarm.get("Error") or ""),
            heartbeat_seconds=int(period or 0) / NANO,
        )


@dataclass(frozen=True)
class SwarmNode:
    """One node, as `docker node ls` and `node inspect` show it."""

    id: str
    hostname: str
    role: str  # manager, worker
    leader: bool
    availability: str  # active, pause, drain
    state: str  # ready, down, unknown, disconnected
    engine_version: str
    nano_cpus: int
    memory_bytes: int
    address: str = ""
    message: str = ""
    version: int = 0
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> SwarmNode:
        """From one entry of `GET /nodes`."""
        spec = raw.get("Spec") or {}
        description = raw.get("Description") or {}
        resources = description.get("Resources") or {}
        status = raw.get("Status") or {}
        manager = raw.get("ManagerStatus") or {}
        return cls(
            id=str(raw.get("ID") or ""),
            hostname=str(description.get("Hostname") or ""),
            role=str(spec.get("Role") or "worker"),
            leader=bool(manager.get("Leader")),
            availability=str(spec.get("Availability") or "active"),
            state=str(status.get("State") or "unknown"),
            engine_version=str((description.get("Engine") or {}).get("EngineVersion") or ""),
            nano_cpus=int(resources.get("NanoCPUs") or 0),
            memory_bytes=int(resources.get("MemoryBytes") or 0),
            address=str(status.get("Addr") or ""),
            message=str(status.get("Message") or ""),
            version=int((raw.get("Version") or {}).get("Index") or 0),
            labels=dict(spec.get("Labels") or {}),
        )


@dataclass(frozen=True)
class SwarmService:
    """One service: its mode, replicas, image, ports and any update under way."""

    id: str
    name: str
    mode: str  # replicated, global, replicated-job, global-job
    desired: int  # replicas (or completions) wanted; for global, what the engine counts
    running: int
    completed: int
    image: str
    ports: str
    update_state: str  # "", updating, paused, completed, rollback_started, …
    update_message: str = ""
    version: int = 0
    labels: Mapping[str, str] = field(default_factory=dict)
    created: datetime | None = None
    updated: datetime | None = None
    has_previous: bool = False  # a rollback has somewhere to go

    @property
    def stack(self) -> str:
        """The stack it belongs to (`docker stack deploy`), or ""."""
        return self.labels.get(STACK_LABEL, "")

    @property
    def is_job(self) -> bool:
        """A job runs its tasks to completion."""
        return self.mode.endswith("-job")

    @property
    def converged(self) -> bool:
        """Every wanted task runs (or, for a job, completed) and no update is under way."""
        busy = self.update_state in ("updating", "rollback_started")
        done = self.completed if self.is_job else self.running
        return not busy and done >= self.desired

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> SwarmService:
        """From one entry of `GET /services?status=true`."""
        spec = raw.get("Spec") or {}
        mode_spec = spec.get("Mode") or {}
        mode, desired = "replicated", 0
        if "Global" in mode_spec:
            mode = "global"
        elif "ReplicatedJob" in mode_spec:
            mode = "replicated-job"
            desired = int((mode_spec["ReplicatedJob"] or {}).get("TotalCompletions") or 0)
        elif "GlobalJob" in mode_spec:
            mode = "global-job"
        else:
            desired = int((mode_spec.get("Replicated") or {}).get("Replicas") or 0)
        status = raw.get("ServiceStatus") or {}
        if mode in ("global", "global-job"):
            desired = int(status.get("DesiredTasks") or 0)
        update = raw.get("UpdateStatus") or {}
        container = (spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}
        ports = ((raw.get("Endpoint") or {}).get("Ports")) or (
            (spec.get("EndpointSpec") or {}).get("Ports") or []
        )
        return cls(
            id=str(raw.get("ID") or ""),
            name=str(spec.get("Name") or ""),
            mode=mode,
            desired=desired,
            running=int(status.get("RunningTasks") or 0),
            completed=int(status.get("CompletedTasks") or 0),
            image=short_image(str(container.get("Image") or "")),
            ports=port_text(ports),
            update_state=str(update.get("State") or ""),
            update_message=str(update.get("Message") or ""),
            version=int((raw.get("Version") or {}).get("Index") or 0),
            labels=dict(spec.get("Labels") or {}),
            created=parse_time(raw.get("CreatedAt")),
            updated=parse_time(raw.get("UpdatedAt")),
            has_previous=bool(raw.get("PreviousSpec")),
        )


def port_text(ports: list[Mapping[str, Any]]) -> str:
    """Published ports as the CLI shows them: `*:8080->80/tcp` (host mode marked)."""
    shown = []
    for port in ports:
        published, target = port.get("PublishedPort"), port.get("TargetPort")
        mode = " (host)" if port.get("PublishMode") == "host" else ""
        shown.append(f"*:{published}->{target}/{port.get('Protocol') or 'tcp'}{mode}")
    return ", ".join(shown)


@dataclass(frozen=True)
class SwarmTask:
    """One task: its slot, node, state, desired state, error, and the container running it."""

    id: str
    service_id: str
    slot: int
    node_id: str
    state: str
    desired_state: str
    error: str
    message: str
    timestamp: datetime | None
    container_id: str
    image: str
    exit_code: int = 0
    created: datetime | None = None

    @property
    def live(self) -> bool:
        """Meant to run now (not a shut-down predecessor kept as history)."""
        return self.desired_state in ("running", "ready", "accepted", "complete") and (
            self.state not in ENDED or self.state == "complete"
        )

    @property
    def running(self) -> bool:
        """Runs and is meant to (a task on a node gone down still says `running`, as last
        heard, while its desired state is already `shutdown`)."""
        return self.state == "running" and self.desired_state == "running"

    def name(self, service: str) -> str:
        """`web.2` as `docker service ps` names it (a global task: `web.<node id>`)."""
        return f"{service}.{self.slot}" if self.slot else f"{service}.{self.node_id}"

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> SwarmTask:
        """From one entry of `GET /tasks`."""
        status = raw.get("Status") or {}
        container = status.get("ContainerStatus") or {}
        spec = ((raw.get("Spec") or {}).get("ContainerSpec")) or {}
        return cls(
            id=str(raw.get("ID") or ""),
            service_id=str(raw.get("ServiceID") or ""),
            slot=int(raw.get("Slot") or 0),
            node_id=str(raw.get("NodeID") or ""),
            state=str(status.get("State") or ""),
            desired_state=str(raw.get("DesiredState") or ""),
            error=str(status.get("Err") or ""),
            message=str(status.get("Message") or ""),
            timestamp=parse_time(status.get("Timestamp")),
            container_id=str(container.get("ContainerID") or ""),
            image=short_image(str(spec.get("Image") or "")),
            exit_code=int(container.get("ExitCode") or 0),
            created=parse_time(raw.get("CreatedAt")),
        )


def ended_by_exit(task: SwarmTask, exit_code: int | None) -> SwarmTask:
    """The task as its node's engine saw its container end (`exit_code`, None: not seen).

    The node's `die` event comes a moment before the manager hears of it, and a cluster job's
    run may remove its service in between: without this, its last rows would say `running`."""
    if (
        exit_code is None
        or task.state in ENDED
        or task.desired_state not in ("running", "complete")
    ):
        return task
    if exit_code == 0:
        return replace(task, state="complete", exit_code=0)
    error = task.error or f"task: non-zero exit ({exit_code})"
    return replace(task, state="failed", exit_code=exit_code, error=error)


def with_running(service: SwarmService, tasks: list[SwarmTask]) -> SwarmService:
    """The service with `running` counted from its tasks: the engine's own count
    (ServiceStatus) still counts a task on a node gone down, whose last word was `running`."""
    running = sum(1 for t in tasks if t.service_id == service.id and t.running)
    return replace(service, running=running)


def swarm_info(api: docker.APIClient) -> SwarmInfo:
    """This engine's Swarm membership."""
    with engine_errors():
        return SwarmInfo.from_info(api.info())


def list_nodes(api: docker.APIClient) -> list[SwarmNode]:
    """Every node (the engine must be a manager)."""
    with engine_errors():
        return [SwarmNode.from_raw(raw) for raw in api.nodes()]


def list_services(api: docker.APIClient) -> list[SwarmService]:
    """Every service, with its running and desired task counts."""
    with engine_errors():
        return [SwarmService.from_raw(raw) for raw in api.services(status=True)]


def list_tasks(api: docker.APIClient, service_id: str | None = None) -> list[SwarmTask]:
    """The tasks of one service (with their history), or every task of the Swarm."""
    filters = {"service": [service_id]} if service_id else None
    with engine_errors():
        return [SwarmTask.from_raw(raw) for raw in api.tasks(filters=filters)]


def remove_all_services(client: docker.DockerClient) -> int:
    """Remove every service of this manager's Swarm (only `cluster down` of the lab's own)."""
    with engine_errors():
        services = client.api.services()
        for service in services:
            client.api.remove_service(service["ID"])
    return len(services)
