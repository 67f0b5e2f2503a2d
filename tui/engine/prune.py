"""Prune with a preview: what each prune would remove and free, then remove exactly that.

The engine's own prune endpoints remove whatever is unused at the moment they run, which may
be more than the user was shown. Here the preview lists the objects, and pruning removes those
objects one by one (build cache excepted: the engine offers no per-entry removal before API 1.42).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import docker

from tui.engine.volumes import BUILTIN_NETWORKS, network_users, volume_users
from tui.text import printable

KINDS = ("containers", "images", "volumes", "networks", "build cache")


@dataclass(frozen=True)
class PruneCandidate:
    """One object a prune would remove."""

    id: str
    name: str
    size: int  # bytes it frees (0 when the engine does not say)


@dataclass(frozen=True)
class PrunePlan:
    """What one kind of prune would remove, and the space it would free."""

    kind: str
    candidates: tuple[PruneCandidate, ...] = ()
    build_cache_bytes: int = 0

    @property
    def reclaimable(self) -> int:
        """Bytes this prune would free, by the engine's own figures (`docker system df`)."""
        return self.build_cache_bytes + sum(c.size for c in self.candidates)

    @property
    def count(self) -> int:
        """How many objects it would remove."""
        return len(self.candidates)


@dataclass
class PruneResult:
    """What a prune removed and freed, and what it could not remove (with why)."""

    kind: str
    removed: list[str] = field(default_factory=list)
    freed: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def _label_filter(labels: Mapping[str, str] | None) -> dict[str, Any]:
    return {"label": [f"{k}={v}" for k, v in labels.items()]} if labels else {}


def _unique_size(image: Mapping[str, Any]) -> int:
    """What removing the image frees: its size less the layers it shares with others."""
    size, shared = int(image.get("Size") or 0), int(image.get("SharedSize") or 0)
    return max(0, size - shared) if shared >= 0 else size


def _container_name(container: Mapping[str, Any]) -> str:
    return printable(str((container.get("Names") or ["?"])[0]).lstrip("/"))


def plan_prunes(api: docker.APIClient, labels: Mapping[str, str] | None = None) -> list[PrunePlan]:
    """The five prunes' previews. With `labels`, only objects carrying them (build cache: none)."""
    df = api.df()
    match = _label_filter(labels)
    containers = api.containers(all=True)
    # Filtered here, not with a status filter: Podman refuses "dead" ("unknown container state").
    stopped = [
        c
        for c in (api.containers(all=True, filters=match) if match else containers)
        if c.get("State") in ("exited", "created", "dead")
    ]
    sizes = {c["Id"]: int(c.get("SizeRw") or 0) for c in df.get("Containers") or []}
    plans = [
        PrunePlan(
            "containers",
            tuple(
                PruneCandidate(c["Id"], _container_name(c), sizes.get(c["Id"], 0)) for c in stopped
            ),
        )
    ]
    dangling = api.images(filters={"dangling": True, **match})
    unique = {i["Id"]: _unique_size(i) for i in df.get("Images") or []}
    plans.append(
        PrunePlan(
            "images",
            tuple(
                PruneCandidate(
                    i["Id"], i["Id"].removeprefix("sha256:")[:12], unique.get(i["Id"], 0)
                )
                for i in dangling
                if int(i.get("Containers", 0) or 0) <= 0
            ),
        )
    )
    used_volumes = volume_users(containers)
    volume_sizes = {
        v["Name"]: max(0, int((v.get("UsageData") or {}).get("Size", 0) or 0))
        for v in df.get("Volumes") or []
    }
    volumes = api.volumes(filters={"dangling": True, **match}).get("Volumes") or []
    plans.append(
        PrunePlan(
            "volumes",
            tuple(
                PruneCandidate(v["Name"], v["Name"], volume_sizes.get(v["Name"], 0))
                for v in volumes
                if v["Name"] not in used_volumes
            ),
        )
    )
    used_networks = network_users(containers)
    networks = api.networks(filters=match) if match else api.networks()
    plans.append(
        PrunePlan(
            "networks",
            tuple(
                PruneCandidate(n["Id"], printable(n["Name"]), 0)
                for n in networks
                if n["Name"] not in BUILTIN_NETWORKS and n["Name"] not in used_networks
            ),
        )
    )
    cache = (
        0
        if labels
        else sum(int(b.get("Size") or 0) for b in df.get("BuildCache") or [] if not b.get("InUse"))
    )
    plans.append(PrunePlan("build cache", build_cache_bytes=cache))
    return plans


def disk_usage(api: docker.APIClient, kind: str) -> int:
    """Bytes the engine uses for one kind of object now, as `docker system df` counts them."""
    df = api.df()
    if kind == "images":
        return int(df.get("LayersSize") or 0)
    if kind == "containers":
        return sum(int(c.get("SizeRw") or 0) for c in df.get("Containers") or [])
    if kind == "volumes":
        return sum(
            max(0, int((v.get("UsageData") or {}).get("Size", 0) or 0))
            for v in df.get("Volumes") or []
        )
    return 0


def _remover(api: docker.APIClient, kind: str) -> Callable[[str], None]:
    return {
        "containers": lambda cid: api.remove_container(cid),
        "images": lambda iid: api.remove_image(iid),
        "volumes": lambda name: api.remove_volume(name),
        "networks": lambda nid: api.remove_network(nid),
    }[kind]


def run_prune(api: docker.APIClient, plan: PrunePlan) -> PruneResult:
    """Remove exactly the plan's objects; what changed since the preview is left alone."""
    result = PruneResult(plan.kind)
    if plan.kind == "build cache":
        if plan.build_cache_bytes:
            freed = api.prune_builds().get("SpaceReclaimed") or 0
            result.freed = int(freed)
        return result
    remove = _remover(api, plan.kind)
    before = disk_usage(api, plan.kind)
    for candidate in plan.candidates:
        try:
            remove(candidate.id)
        except docker.errors.NotFound:
            continue  # gone already: nothing freed by us
        except docker.errors.APIError as exc:
            result.failed[candidate.name] = printable(str(exc.explanation or exc))
            continue
        result.removed.append(candidate.name)
    if result.removed:
        result.freed = max(0, before - disk_usage(api, plan.kind))
    return result
