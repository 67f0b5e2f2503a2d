"""Volumes and networks: what each is, how big, who uses it; removal that refuses one in use."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import docker

from tui.errors import LabError
from tui.text import printable

BUILTIN_NETWORKS = frozenset({"bridge", "host", "none"})


@dataclass(frozen=True)
class VolumeInfo:
    """One volume as `docker volume ls` and `docker system df -v` show it."""

    name: str
    driver: str
    mountpoint: str
    size: int | None  # bytes, from `system df` (None when the engine did not measure it)
    used_by: tuple[str, ...]  # names of the containers that mount it, running or not
    labels: Mapping[str, str]


@dataclass(frozen=True)
class NetworkInfo:
    """One network: driver, scope, subnets and the containers attached to it."""

    id: str
    name: str
    driver: str
    scope: str
    subnets: tuple[str, ...]
    used_by: tuple[str, ...]  # names of the containers connected to it, stopped ones included
    labels: Mapping[str, str]

    @property
    def builtin(self) -> bool:
        """bridge, host and none: the engine's own, never removable."""
        return self.name in BUILTIN_NETWORKS


def _name(container: Mapping[str, Any]) -> str:
    names = container.get("Names") or [container.get("Id", "")[:12]]
    return printable(str(names[0]).lstrip("/"))


def _labels(labels: Mapping[str, Any] | None) -> dict[str, str]:
    return {printable(str(k)): printable(str(v)) for k, v in (labels or {}).items()}


def volume_users(containers: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Volume name -> names of the containers that mount it (from a container list)."""
    users: dict[str, list[str]] = defaultdict(list)
    for container in containers:
        for mount in container.get("Mounts") or []:
            if mount.get("Type") == "volume" and mount.get("Name"):
                users[mount["Name"]].append(_name(container))
    return users


def list_volumes(
    api: docker.APIClient, filters: Mapping[str, Any] | None = None, *, sizes: bool = True
) -> list[VolumeInfo]:
    """Every volume (or those matching `filters`), with sizes from `system df` when asked."""
    raw = api.volumes(filters=dict(filters or {})).get("Volumes") or []
    users = volume_users(api.containers(all=True))
    measured: dict[str, int] = {}
    if sizes:
        for volume in api.df().get("Volumes") or []:
            size = (volume.get("UsageData") or {}).get("Size", -1)
            if size is not None and size >= 0:
                measured[volume["Name"]] = int(size)
    return sorted(
        (
            VolumeInfo(
                name=v["Name"],  # removal goes by name: the engine allows no control in it
                driver=printable(str(v.get("Driver", ""))),
                mountpoint=printable(str(v.get("Mountpoint", ""))),
                size=measured.get(v["Name"]),
                used_by=tuple(sorted(users.get(v["Name"], []))),
                labels=_labels(v.get("Labels")),
            )
            for v in raw
        ),
        key=lambda v: v.name,
    )


def remove_volume(api: docker.APIClient, name: str) -> None:
    """Remove a volume no container uses; refuse, naming its users, one that is used."""
    users = volume_users(api.containers(all=True)).get(name)
    if users:
        raise LabError(f"volume {name} is used by {', '.join(sorted(users))}: remove those first.")
    try:
        api.remove_volume(name)
    except docker.errors.NotFound as exc:
        raise LabError(f"volume {name} is gone already.") from exc
    except docker.errors.APIError as exc:
        raise LabError(f"cannot remove volume {name}: {exc.explanation or exc}") from exc


def network_users(containers: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Network name -> names of the containers connected to it, stopped ones included."""
    users: dict[str, list[str]] = defaultdict(list)
    for container in containers:
        for network in (container.get("NetworkSettings") or {}).get("Networks") or {}:
            users[network].append(_name(container))
    return users


def list_networks(
    api: docker.APIClient, filters: Mapping[str, Any] | None = None
) -> list[NetworkInfo]:
    """Every network (or those matching `filters`) with subnets and attached containers."""
    networks = []
    users = network_users(api.containers(all=True))
    for summary in api.networks(filters=dict(filters or {})):
        try:
            detail = api.inspect_network(summary["Id"])
        except docker.errors.NotFound:
            continue
        config = (detail.get("IPAM") or {}).get("Config") or []
        networks.append(
            NetworkInfo(
                id=detail["Id"],
                name=printable(str(detail.get("Name", ""))),  # removal goes by id
                driver=printable(str(detail.get("Driver", ""))),
                scope=printable(str(detail.get("Scope", ""))),
                subnets=tuple(printable(str(c["Subnet"])) for c in config if c.get("Subnet")),
                used_by=tuple(sorted(users.get(detail.get("Name", ""), []))),
                labels=_labels(detail.get("Labels")),
            )
        )
    return sorted(networks, key=lambda n: (not n.builtin, n.name))


def remove_network(api: docker.APIClient, network_id: str) -> None:
    """Remove a network; refuse the built-in ones and one that has containers attached."""
    try:
        detail = api.inspect_network(network_id)
    except docker.errors.NotFound as exc:
        raise LabError(f"network {network_id[:12]} is gone already.") from exc
    raw_name = str(detail.get("Name", network_id[:12]))
    name = printable(raw_name)
    if raw_name in BUILTIN_NETWORKS:
        raise LabError(f"network {name} is the engine's own and cannot be removed.")
    attached = sorted(network_users(api.containers(all=True)).get(raw_name, []))
    if attached:
        raise LabError(f"network {name} is used by {', '.join(attached)}: remove those first.")
    try:
        api.remove_network(detail["Id"])
    except docker.errors.APIError as exc:
        raise LabError(f"cannot remove network {name}: {exc.explanation or exc}") from exc
