"""Pure presentation: engine objects turned into table cells and sort keys (no widgets here).

Kept apart from the panes so the rows can be tested as plain functions, as lazydocker's
pkg/gui/presentation does.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime

from rich.text import Text

from tui.engine.compose import ComposeProject, ProjectAction
from tui.engine.containers import ContainerInfo
from tui.engine.images import ImageInfo, Layer
from tui.engine.prune import PrunePlan, PruneResult
from tui.engine.stats.api import StatsSample
from tui.engine.volumes import NetworkInfo, VolumeInfo
from tui.views.colours import BAD, CONTAINER_STATE_COLOURS, GOOD, WAITING
from tui.views.formats import (
    block_text,
    bytes_size,
    cpu_text,
    human_duration,
    human_size,
    memory_text,
    net_text,
    status_text,
)

STATS_COLUMNS = ("cpu", "mem", "net", "block")
BOLD_STATES = ("running", "restarting", "dead")
STATE_STYLES = {  # the colour-blind-safe palette; the state's word is always shown too
    state: f"bold {colour}" if state in BOLD_STATES else colour
    for state, colour in CONTAINER_STATE_COLOURS.items()
}
STATE_ORDER = ["running", "restarting", "paused", "created", "exited", "dead", "removing"]


Cells = dict[str, object]  # a table row's cells by column key (the pane picks those shown)


def container_cells(info: ContainerInfo, sample: StatsSample | None, now: datetime) -> Cells:
    """Host, name, image, state (and health), status, ports and the four stats figures."""
    state = Text(info.state, style=STATE_STYLES.get(info.state, ""))
    if info.health:
        state.append(f" ({info.health})", style="dim")
    stats: list[object] = (
        [cpu_text(sample), memory_text(sample), net_text(sample), block_text(sample)]
        if sample
        else ["-", "-", "-", "-"]
    )
    return {
        "host": info.engine,
        "name": info.name,
        "image": info.image,
        "state": state,
        "status": status_text(info, now),
        "ports": info.ports,
        **dict(zip(STATS_COLUMNS, stats, strict=True)),
    }


def image_cells(image: ImageInfo, now: datetime) -> list[object]:
    """Repository:tag (dangling ones marked), id, size, age and how many containers use it."""
    name = Text("<none>:<none> (dangling)", style="dim italic") if image.dangling else image.name
    age = human_duration((now - image.created).total_seconds())
    return [name, image.short_id, human_size(image.size), f"{age} ago", image.containers]


def image_rank(image: ImageInfo, column: str) -> tuple[object, ...]:
    """The sort key of an image by `column`: largest, newest, most used first; else by name."""
    if column == "size":
        return (-image.size,)
    if column == "created":
        return (-image.created.timestamp(),)
    if column == "containers":
        return (-image.containers,)
    return (image.dangling, image.name)


def layer_cells(step: int, layer: Layer) -> list[object]:
    """One step of an image's history: its number, its size (empty ones dim), its instruction."""
    size = Text(human_size(layer.size), style="bold" if layer.size else "dim")
    return [str(step), size, layer.instruction]


def stats_labels(name: str, sample: StatsSample | None) -> tuple[str, str]:
    """The CPU and memory lines above the selected container's sparklines."""
    if sample is None:
        return f"{name}  CPU -", "Memory -"
    memory = f"Memory {memory_text(sample)} ({sample.memory_percent:.1f}%)"
    return f"{name}  CPU {cpu_text(sample)}", memory


def project_stats_labels(name: str, samples: Sequence[StatsSample]) -> tuple[str, str]:
    """A compose project's lines: the CPU and memory of its running containers, summed."""
    if not samples:
        return f"{name}  CPU -", "Memory -"
    count = len(samples)
    memory = bytes_size(sum(s.memory for s in samples))
    return (
        f"{name}  CPU {sum(s.cpu_percent for s in samples):.2f}%",
        f"Memory {memory} in {count} container{'s' if count != 1 else ''}",
    )


def summed(series: Iterable[Sequence[float]]) -> list[float]:
    """Histories added up point by point, over the newest points that every one of them has."""
    columns = [list(values) for values in series]
    length = min((len(values) for values in columns), default=0)
    if not length:
        return []
    newest = [values[-length:] for values in columns]
    return [sum(points) for points in zip(*newest, strict=True)]


def container_rank(
    info: ContainerInfo, sample: StatsSample | None, column: str, now: datetime
) -> tuple[object, ...]:
    """The sort key of a container by `column` (stats ascending; no figure sorts first)."""
    if column == "state":
        return (STATE_ORDER.index(info.state) if info.state in STATE_ORDER else 99, info.name)
    if column == "status":
        return ((info.started_at or info.created or now).timestamp(), info.name)
    if column in STATS_COLUMNS:
        if sample is None:
            return (-1.0, info.name)
        value = {
            "cpu": sample.cpu_percent,
            "mem": float(sample.memory),
            "net": float(sample.net_rx + sample.net_tx),
            "block": float(sample.block_read + sample.block_write),
        }[column]
        return (value, info.name)
    return (str(getattr(info, column if column != "host" else "engine", "")).lower(), info.name)


PROJECT_KEY = "project:"  # row key prefix of a project's header (container ids are hex)
MEMBER_INDENT = "  "  # a project's containers are indented under its header


def _users(names: tuple[str, ...]) -> Text:
    if not names:
        return Text("unused", style="dim italic")
    shown = ", ".join(names[:3])
    return Text(shown + (f" +{len(names) - 3}" if len(names) > 3 else ""))


def volume_cells(volume: VolumeInfo) -> list[str | Text]:
    """Name, driver, size, mount point, users."""
    size = human_size(volume.size) if volume.size is not None else Text("?", style="dim")
    return [volume.name, volume.driver, size, volume.mountpoint, _users(volume.used_by)]


def volume_rank(volume: VolumeInfo, by: str) -> tuple[object, ...]:
    """Sort key: by name, or largest first, or unused first."""
    if by == "size":
        return (-(volume.size or 0), volume.name)
    if by == "users":
        return (len(volume.used_by), volume.name)
    return (volume.name,)


def network_cells(network: NetworkInfo) -> list[str | Text]:
    """Name (built-in ones dimmed), driver, scope, subnets, users."""
    name = Text(network.name, style="dim") if network.builtin else Text(network.name)
    subnets = ", ".join(network.subnets) or "-"
    return [name, network.id[:12], network.driver, network.scope, subnets, _users(network.used_by)]


def network_rank(network: NetworkInfo, by: str) -> tuple[object, ...]:
    """Sort key: built-in networks first, then by name (or unused first)."""
    if by == "users":
        return (len(network.used_by), network.name)
    return (not network.builtin, network.name)


def prune_cells(plan: PrunePlan, chosen: bool) -> list[str | Text]:
    """A tick, the kind, how many objects, what it would free, and the first few names."""
    tick = Text("[x]" if chosen else "[ ]", style="bold" if chosen else "dim")
    names = ", ".join(c.name for c in plan.candidates[:4])
    if plan.count > 4:
        names += f" +{plan.count - 4}"
    if plan.kind == "build cache":
        names = "unused build cache" if plan.reclaimable else "-"
    count = str(plan.count) if plan.kind != "build cache" else "-"
    return [tick, plan.kind, count, human_size(plan.reclaimable), names or "-"]


def prune_summary(results: list[PruneResult]) -> str:
    """One line after a prune: what went and the space actually freed."""
    removed = sum(len(r.removed) for r in results)
    freed = sum(r.freed for r in results)
    failed = {name: why for r in results for name, why in r.failed.items()}
    line = f"pruned {removed} objects, freed {human_size(freed)}"
    if failed:
        first = next(iter(failed.items()))
        line += f"; {len(failed)} could not be removed ({first[0]}: {first[1]})"
    return line


# Compose projects in the containers table ------------------------------------------------


def project_key(name: str) -> str:
    """The row key of a project's header row."""
    return PROJECT_KEY + name


def project_of_key(key: str | None) -> str | None:
    """The project whose header row has this key, or None for a container's row."""
    if key is not None and key.startswith(PROJECT_KEY):
        return key[len(PROJECT_KEY) :]
    return None


def grouped_order(
    shown: Iterable[str],
    rank: Callable[[str], Hashable],
    reverse: bool,
    project_of: Callable[[str], str | None],
    folded: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """Row keys in table order: containers sorted by `rank`, each project's header where its
    first container would be and its containers under it (none when folded).

    Containers without a project keep exactly the order a flat sort gives them.
    """
    flat = sorted(shown, key=rank, reverse=reverse)  # type: ignore[arg-type]
    members: dict[str, list[str]] = {}
    for key in flat:
        project = project_of(key)
        if project is not None:
            members.setdefault(project, []).append(key)
    order: list[str] = []
    for key in flat:
        project = project_of(key)
        if project is None:
            order.append(key)
        elif project in members:
            order.append(project_key(project))
            if project not in folded:
                order.extend(members[project])
            del members[project]
    return order


def running_samples(
    project: ComposeProject,
    infos: Mapping[str, ContainerInfo],
    samples: Mapping[str, StatsSample],
) -> list[StatsSample]:
    """The latest samples of a project's running containers (those that have one)."""
    members = project.containers(infos)
    return [samples[info.id] for info in members if info.is_running and info.id in samples]


def project_cells(
    project: ComposeProject,
    infos: Mapping[str, ContainerInfo],
    samples: Mapping[str, StatsSample],
    folded: bool,
) -> Cells:
    """A project's header row: fold mark and name, services, running/total, summed stats (no
    host: a project's containers share one)."""
    members = project.containers(infos)
    running = [info for info in members if info.is_running]
    mark = "▶" if folded else "▼"
    services = len(project.services)
    style = BAD if not running else f"bold {GOOD}" if len(running) == len(members) else WAITING
    state = Text(f"{len(running)}/{len(members)} running", style=style)
    live = running_samples(project, infos, samples)
    stats: list[str | Text] = ["-", "-", "-", "-"]
    if live:
        stats = [
            f"{sum(s.cpu_percent for s in live):.2f}%",
            bytes_size(sum(s.memory for s in live)),
            f"{human_size(sum(s.net_rx for s in live))} / "
            f"{human_size(sum(s.net_tx for s in live))}",
            f"{human_size(sum(s.block_read for s in live))} / "
            f"{human_size(sum(s.block_write for s in live))}",
        ]
    return {
        "host": "",
        "name": Text(f"{mark} {project.name}", style="bold"),
        "image": Text(f"{services} service{'s' if services != 1 else ''}", style="dim"),
        "state": state,
        "status": Text("compose project", style="dim"),
        "ports": "",
        **dict(zip(STATS_COLUMNS, stats, strict=True)),
    }


def member_name(name: str) -> str:
    """A project's container, indented under its header."""
    return MEMBER_INDENT + name


# What a project action does to the containers, said before it runs.
_ACTION_WORDS = {
    ProjectAction.UP: ("Recreate", "runs up -d --force-recreate, which replaces"),
    ProjectAction.DOWN: ("Take down", "stops and removes, with the project's networks"),
    ProjectAction.RESTART: ("Restart", "restarts"),
    ProjectAction.STOP: ("Stop", "stops"),
    ProjectAction.START: ("Start", "starts"),
}


def affected_containers(
    action: ProjectAction, project: ComposeProject, infos: Mapping[str, ContainerInfo]
) -> list[ContainerInfo]:
    """The containers `action` touches: running ones for stop, stopped ones for start, else all."""
    members = project.containers(infos)
    if action == ProjectAction.STOP:
        return [info for info in members if info.is_running]
    if action == ProjectAction.START:
        return [info for info in members if not info.is_running]
    return members


def project_question(
    action: ProjectAction, project: ComposeProject, infos: Mapping[str, ContainerInfo]
) -> str:
    """The confirmation question of a project action, naming every container it touches."""
    verb, does = _ACTION_WORDS[action]
    names = ", ".join(info.name for info in affected_containers(action, project, infos))
    return f"{verb} compose project {project.name}?\nIt {does}: {names or 'none'}"
