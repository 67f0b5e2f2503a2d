"""The Swarm tab's rows, as pure functions of the engine's Swarm objects (no Textual here but
rich's Text): nodes, services grouped by stack, a service's tasks, and their stats."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from rich.text import Text

from tui.engine.stats.api import StatsSample
from tui.engine.swarm import STARTING, SwarmNode, SwarmService, SwarmTask
from tui.text import printable
from tui.views.colours import BAD, GOOD, NEUTRAL, WAITING
from tui.views.formats import bytes_size, human_duration

STACK_KEY = "stack:"  # row key prefix of a stack's header (service ids never contain ':')
NO_STACK = ""
# The colour-blind-safe palette (tui/views/colours.py); every state's word is shown too.
NODE_STATE_STYLES = {"ready": f"bold {GOOD}", "down": f"bold {BAD}", "unknown": WAITING}
AVAILABILITY_STYLES = {"active": GOOD, "pause": WAITING, "drain": NEUTRAL}
TASK_STATE_STYLES = {
    "running": f"bold {GOOD}",
    "complete": GOOD,
    "failed": f"bold {BAD}",
    "rejected": f"bold {BAD}",
    "shutdown": "dim",
    "orphaned": BAD,
}


def plain(text: str) -> str:
    """Engine text made safe to show, on one line: controls as `printable` shows them."""
    return printable(" ".join(text.split()))


def node_cells(node: SwarmNode, running_tasks: int) -> list[object]:
    """Hostname, role (leader marked), availability, state, engine, CPUs, memory, tasks."""
    role = Text(node.role)
    if node.leader:
        role.append(" ★ leader", style="bold yellow")
    cpus = f"{node.nano_cpus / 1e9:g}" if node.nano_cpus else "-"
    memory = bytes_size(node.memory_bytes) if node.memory_bytes else "-"
    return [
        plain(node.hostname),
        role,
        Text(node.availability, style=AVAILABILITY_STYLES.get(node.availability, "")),
        Text(node.state, style=NODE_STATE_STYLES.get(node.state, "")),
        plain(node.engine_version),
        cpus,
        memory,
        str(running_tasks),
    ]


def running_per_node(tasks: Iterable[SwarmTask]) -> dict[str, int]:
    """How many tasks run on each node (by node id)."""
    counts: dict[str, int] = {}
    for task in tasks:
        if task.running:
            counts[task.node_id] = counts.get(task.node_id, 0) + 1
    return counts


def replicas_text(service: SwarmService) -> Text:
    """running/desired (jobs: completed/total), red while short of it."""
    done = service.completed if service.is_job else service.running
    text = Text(f"{done}/{service.desired}")
    text.stylize(GOOD if done >= service.desired else f"bold {BAD}")
    return text


def update_text(service: SwarmService) -> Text:
    """An update or rollback under way (or paused, or done), in a word."""
    words = {
        "updating": ("updating", f"bold {WAITING}"),
        "paused": ("update paused", f"bold {BAD}"),
        "completed": ("updated", "dim"),
        "rollback_started": ("rolling back", f"bold {WAITING}"),
        "rollback_paused": ("rollback paused", f"bold {BAD}"),
        "rollback_completed": ("rolled back", "dim"),
    }
    word, style = words.get(service.update_state, ("", ""))
    return Text(word, style=style)


def service_samples(
    tasks: Iterable[SwarmTask], samples: Mapping[str, StatsSample]
) -> list[StatsSample]:
    """The latest samples of a service's running tasks (those whose engine is watched)."""
    return [samples[t.container_id] for t in tasks if t.running and t.container_id in samples]


def stats_cells(samples: Sequence[StatsSample]) -> list[str]:
    """CPU % and memory summed over samples; "-" with none (no node engine watched)."""
    if not samples:
        return ["-", "-"]
    return [
        f"{sum(s.cpu_percent for s in samples):.2f}%",
        bytes_size(sum(s.memory for s in samples)),
    ]


def service_cells(service: SwarmService, samples: Sequence[StatsSample]) -> list[object]:
    """Name (indented under its stack), mode, replicas, update, CPU, memory, image, ports."""
    name = plain(service.name)
    return [
        f"  {name}" if service.stack else name,
        service.mode,
        replicas_text(service),
        update_text(service),
        *stats_cells(samples),
        plain(service.image),
        service.ports,
    ]


def stack_key(stack: str) -> str:
    """The row key of a stack's header."""
    return f"{STACK_KEY}{stack}"


def stack_cells(stack: str, services: Sequence[SwarmService]) -> list[object]:
    """A stack's header: its name, how many services and their replicas summed."""
    running = sum(s.running for s in services)
    desired = sum(s.desired for s in services if not s.is_job)
    return [
        Text(f"▾ {plain(stack)}", style="bold"),
        "stack",
        f"{running}/{desired}",
        "",
        "",
        "",
        f"{len(services)} service{'s' if len(services) != 1 else ''}",
        "",
    ]


def service_order(services: Iterable[SwarmService]) -> list[tuple[str, SwarmService | None]]:
    """Row keys in order: services outside a stack by name, then each stack's header followed
    by its services (the header's entry carries None)."""
    loose = sorted((s for s in services if not s.stack), key=lambda s: s.name)
    stacked: dict[str, list[SwarmService]] = {}
    for service in services:
        if service.stack:
            stacked.setdefault(service.stack, []).append(service)
    rows: list[tuple[str, SwarmService | None]] = [(s.id, s) for s in loose]
    for stack in sorted(stacked):
        rows.append((stack_key(stack), None))
        rows += [(s.id, s) for s in sorted(stacked[stack], key=lambda s: s.name)]
    return rows


def task_order(tasks: Iterable[SwarmTask]) -> list[SwarmTask]:
    """By slot (or node, for global tasks), the live task first, then its history, newest
    first: the order of `docker service ps`."""

    def key(task: SwarmTask) -> tuple[object, ...]:
        stamp = task.created.timestamp() if task.created else 0.0
        return (task.slot or 0, task.node_id if not task.slot else "", not task.live, -stamp)

    return sorted(tasks, key=key)


def task_cells(
    task: SwarmTask,
    service: str,
    node_names: Mapping[str, str],
    sample: StatsSample | None,
    now: datetime,
    *,
    history: bool = False,
) -> list[object]:
    """Name (history marked `\\_`), node, state, desired state, age, CPU, memory, error."""
    name = task.name(service)
    state = Text(task.state, style=TASK_STATE_STYLES.get(task.state, ""))
    if task.state in STARTING:
        state.stylize(WAITING)
    age = human_duration((now - task.timestamp).total_seconds()) if task.timestamp else "-"
    node = node_names.get(task.node_id, task.node_id[:12] if task.node_id else "-")
    error = plain(task.error)
    return [
        Text(f" \\_ {name}", style="dim") if history else name,
        plain(node),
        state,
        task.desired_state,
        age,
        *stats_cells([sample] if sample is not None else []),
        Text(error, style=BAD) if error else "",
    ]


def swarm_title(
    manager: str, cluster_id: str, nodes: Sequence[SwarmNode], services: int, heartbeat: float
) -> str:
    """The tab's first line: which Swarm, through which manager, and how it is."""
    ready = sum(1 for n in nodes if n.state == "ready")
    beat = f" · heartbeat {heartbeat:g} s" if heartbeat else ""
    return (
        f"Swarm {cluster_id[:12]} via {plain(manager)} · {len(nodes)} nodes ({ready} ready) · "
        f"{services} service{'s' if services != 1 else ''}{beat}"
    )
