"""Containers: what the lists and the detail view show, read from the engine's inspect JSON."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import docker
from docker.errors import APIError, NotFound

from tui.engine.actions import ContainerAction
from tui.text import printable


def parse_time(value: str | None) -> datetime | None:
    """Parse the engine's RFC 3339 (nanosecond) timestamps; None for the zero time."""
    if not value or value.startswith("0001-"):
        return None
    head, _, rest = value.partition(".")
    if rest:  # trim nanoseconds to microseconds, keep the zone
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        value = f"{head}.{digits[:6]}{zone}"
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _port_number(item: tuple[str, Any]) -> tuple[int, str]:
    number = item[0].split("/")[0]
    return (int(number) if number.isdigit() else 0, item[0])


def format_ports(ports: Mapping[str, Any] | None) -> str:
    """Published ports as `0.0.0.0:8080->80/tcp`, exposed-only ones as `80/tcp`."""
    parts: list[str] = []
    for port, bindings in sorted((ports or {}).items(), key=_port_number):
        if not bindings:
            parts.append(port)
            continue
        seen: set[str] = set()
        for binding in bindings:
            text = f"{binding.get('HostIp') or '0.0.0.0'}:{binding.get('HostPort')}->{port}"
            if text not in seen and "::" not in text:
                seen.add(text)
                parts.append(text)
    return ", ".join(parts)


@dataclass(frozen=True)
class Mount:
    """One mount of a container."""

    kind: str
    source: str
    destination: str
    read_only: bool


@dataclass(frozen=True)
class ContainerInfo:
    """A container as the dashboard shows it, built from `docker inspect` output (or, at
    start-up until it is inspected, from the list call: `inspected` False)."""

    id: str
    name: str
    image: str
    state: str  # created, running, paused, restarting, removing, exited, dead
    exit_code: int
    created: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    ports: str
    command: str
    user: str
    health: str
    restart_count: int
    tty: bool
    labels: Mapping[str, str] = field(default_factory=dict)
    env: tuple[str, ...] = ()
    mounts: tuple[Mount, ...] = ()
    memory_limit: int = 0
    nano_cpus: int = 0
    pids_limit: int = 0
    restart_policy: str = ""
    oom_killed: bool = False
    pid: int = 0  # the init process on the host (0 when not running)
    engine: str = ""  # the name of the engine it runs on (set by its feed)
    # From the list call alone (from_summary): the engine's own status line, shown until the
    # container is inspected; times, health details, limits and pid are not known yet.
    listed_status: str = ""
    inspected: bool = True

    @property
    def short_id(self) -> str:
        """The 12-character id."""
        return self.id[:12]

    @property
    def is_running(self) -> bool:
        """True while the container's process runs (paused counts as running)."""
        return self.state in ("running", "paused", "restarting")

    @classmethod
    def from_inspect(cls, data: Mapping[str, Any]) -> ContainerInfo:
        """Build from the engine's inspect JSON of one container (its text made printable:
        names, labels, command and environment are anyone's to choose)."""
        state = data.get("State") or {}
        config = data.get("Config") or {}
        host = data.get("HostConfig") or {}
        cmd = [*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])]
        health = (state.get("Health") or {}).get("Status", "")
        mounts = _mounts(data.get("Mounts") or ())
        policy = host.get("RestartPolicy") or {}
        labels = config.get("Labels") or {}
        return cls(
            id=_text(data.get("Id", "")),
            name=_text(data.get("Name", "")).lstrip("/"),
            image=_text(config.get("Image") or data.get("Image", "")),
            state=_text(state.get("Status", "unknown")),
            exit_code=int(state.get("ExitCode") or 0),
            pid=int(state.get("Pid") or 0),
            created=parse_time(data.get("Created")),
            started_at=parse_time(state.get("StartedAt")),
            finished_at=parse_time(state.get("FinishedAt")),
            ports=_text(format_ports((data.get("NetworkSettings") or {}).get("Ports"))),
            command=_text(" ".join(str(part) for part in cmd)),
            user=_text(config.get("User") or ""),
            health=_text(health),
            restart_count=int(data.get("RestartCount") or 0),
            tty=bool(config.get("Tty")),
            labels={_text(key): _text(value) for key, value in labels.items()},
            env=tuple(_text(item) for item in config.get("Env") or ()),
            mounts=mounts,
            memory_limit=int(host.get("Memory") or 0),
            nano_cpus=int(host.get("NanoCpus") or 0),
            pids_limit=int(host.get("PidsLimit") or 0),
            restart_policy=_text(policy.get("Name") or ""),
            oom_killed=bool(state.get("OOMKilled")),
        )

    @classmethod
    def from_summary(cls, data: Mapping[str, Any]) -> ContainerInfo:
        """Build from one entry of the engine's container list (`docker ps -a`'s data): what
        the table shows at start-up before each container is inspected."""
        status = str(data.get("Status") or "")
        health = _HEALTH.search(status)
        exited = _EXIT_CODE.match(status)
        names = [str(name).lstrip("/") for name in data.get("Names") or ()]
        created = data.get("Created")
        labels = data.get("Labels") or {}
        return cls(
            id=_text(data.get("Id", "")),
            name=_text(next((n for n in names if "/" not in n), names[0] if names else "")),
            image=_text(data.get("Image", "")),
            state=_text(data.get("State") or "unknown"),
            exit_code=int(exited.group(1)) if exited else 0,
            created=_from_epoch(created),
            started_at=None,
            finished_at=None,
            ports=_text(format_ports(_listed_ports(data.get("Ports") or ()))),
            command=_text(data.get("Command") or ""),
            user="",
            health=_text(health.group(1).removeprefix("health: ")) if health else "",
            restart_count=0,
            tty=False,
            labels={_text(key): _text(value) for key, value in labels.items()},
            mounts=_mounts(data.get("Mounts") or ()),
            listed_status=_text(_HEALTH.sub("", status).strip() or data.get("State") or ""),
            inspected=False,
        )


_HEALTH = re.compile(r"\s*\((healthy|unhealthy|health: starting)\)")
_EXIT_CODE = re.compile(r"Exited \((-?\d+)\)")


def _from_epoch(value: object) -> datetime | None:
    """The list's creation time (seconds since the epoch); None when absent or out of range."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _listed_ports(ports: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The list's ports in the inspect's form (`80/tcp` -> bindings, None when only exposed)."""
    found: dict[str, Any] = {}
    for port in ports:
        key = f"{port.get('PrivatePort')}/{port.get('Type') or 'tcp'}"
        if port.get("PublicPort"):
            binding = {"HostIp": port.get("IP") or "", "HostPort": str(port["PublicPort"])}
            found[key] = [*(found.get(key) or []), binding]
        else:
            found.setdefault(key, None)
    return found


def _mounts(mounts: Iterable[Mapping[str, Any]]) -> tuple[Mount, ...]:
    """Mounts as both the inspect and the list give them."""
    return tuple(
        Mount(
            kind=_text(m.get("Type", "")),
            source=_text(m.get("Source") or m.get("Name") or ""),
            destination=_text(m.get("Destination", "")),
            read_only=not m.get("RW", True),
        )
        for m in mounts
    )


def _text(value: object) -> str:
    """An engine string as the dashboard may show it (see tui/text.py)."""
    return printable(str(value))


def inspect_container(api: docker.APIClient, container_id: str) -> ContainerInfo | None:
    """Inspect one container; None when it no longer exists."""
    try:
        return ContainerInfo.from_inspect(api.inspect_container(container_id))
    except NotFound:
        return None


def list_summaries(api: docker.APIClient) -> list[ContainerInfo]:
    """Every container from one list call, not inspected (see ContainerInfo.from_summary)."""
    return [ContainerInfo.from_summary(summary) for summary in api.containers(all=True)]


def list_containers(api: docker.APIClient) -> list[ContainerInfo]:
    """Every container (running or not), inspected; ones removed meanwhile are left out.

    A container whose inspect fails otherwise (an engine error for that one container, an
    answer that is not JSON) keeps its listed row: one odd answer must not empty the table."""
    infos = []
    for summary in api.containers(all=True):
        try:
            info = inspect_container(api, summary["Id"])
        except (APIError, ValueError):  # ValueError: a body that is not JSON
            info = ContainerInfo.from_summary(summary)
        if info is not None:
            infos.append(info)
    return infos


def container_action(api: docker.APIClient, container_id: str, action: ContainerAction) -> None:
    """Run one lifecycle action (start … remove) on a container."""
    calls: dict[ContainerAction, Callable[[], object]] = {
        ContainerAction.START: lambda: api.start(container_id),
        ContainerAction.STOP: lambda: api.stop(container_id, timeout=10),
        ContainerAction.RESTART: lambda: api.restart(container_id, timeout=10),
        ContainerAction.KILL: lambda: api.kill(container_id),
        ContainerAction.PAUSE: lambda: api.pause(container_id),
        ContainerAction.UNPAUSE: lambda: api.unpause(container_id),
        ContainerAction.REMOVE: lambda: api.remove_container(container_id, force=True),
    }
    call = calls.get(action)
    if call is None:
        raise ValueError(f"{action!r} is not a lifecycle action")
    call()


@dataclass(frozen=True)
class ProcessList:
    """The processes running in a container, as `docker top` shows them."""

    titles: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def container_processes(api: docker.APIClient, container_id: str) -> ProcessList:
    """`docker top`: the container's processes; empty when it is not running (or gone)."""
    try:
        top = api.top(container_id)
    except (NotFound, APIError) as exc:
        if isinstance(exc, NotFound) or exc.status_code == 409:  # removed, or not running
            return ProcessList()
        raise
    return process_list(top)


def process_list(top: Mapping[str, Any]) -> ProcessList:
    """A `top` answer (Docker's or Podman's) as a ProcessList; command lines made printable."""
    titles = tuple(_text(title) for title in top.get("Titles") or ())
    rows = tuple(tuple(_text(cell) for cell in row) for row in top.get("Processes") or ())
    return ProcessList(titles, rows)
