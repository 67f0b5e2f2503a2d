"""Pure presentation: engine objects turned into table cells and sort keys (no widgets here).

Kept apart from the panes so the rows can be tested as plain functions, as lazydocker's
pkg/gui/presentation does.
"""

from __future__ import annotations

from rich.text import Text

from tui.engine.prune import PrunePlan, PruneResult
from tui.engine.stats import human_size
from tui.engine.volumes import NetworkInfo, VolumeInfo


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
