"""What the containers pane shows, as state: every engine's containers, their latest samples and
histories, the marks, the filter and the sort, and the compose projects they group into.

No widget here: the pane (pane.py) holds one `ContainerRows`, draws its rows in a table and
turns keys into changes of it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from tui.engine.compose import project_name
from tui.engine.containers import ContainerInfo
from tui.engine.stats.api import StatsSample
from tui.views.containers.projects import ProjectGroups
from tui.views.presentation import (
    Cells,
    container_cells,
    container_rank,
    grouped_order,
    member_name,
    project_of_key,
    project_stats_labels,
    running_samples,
    stats_labels,
    summed,
)

HISTORY = 120  # samples kept per container for the sparklines (two minutes)
Series = tuple[deque[float], deque[float]]  # CPU % and memory % of one container


class ContainerRows:
    """The containers and everything the pane's rows and stats panel are drawn from."""

    def __init__(self, clock: Callable[[], datetime], sort: str, reverse: bool) -> None:
        self.clock = clock
        self.infos: dict[str, ContainerInfo] = {}
        self.samples: dict[str, StatsSample] = {}
        self.history: dict[str, Series] = {}
        self.groups = ProjectGroups()
        self.marked: set[str] = set()  # containers marked with space (for merged logs)
        self.show_all = True
        self.filter_text = ""
        self.engine_filter: str | None = None  # one engine's containers only (`H` cycles)
        self.sort_column = sort
        self.sort_reverse = reverse
        self.loaded = False  # a list came from the engine (an empty one shows the hint)

    # Data in -----------------------------------------------------------------------------

    def replace(self, infos: list[ContainerInfo], engine: str | None = None) -> set[str]:
        """Replace the whole list of one engine (every one's when `engine` is None); return the
        containers whose row changed."""
        kept = {
            cid: info
            for cid, info in self.infos.items()
            if engine is not None and info.engine not in (engine, "")
        }
        now = {**kept, **{info.id: info for info in infos}}
        changed = {cid for cid, info in now.items() if self.infos.get(cid) != info}
        self.infos = now
        self.loaded = True
        for gone in set(self.samples) - now.keys():
            self.forget(gone)
        return changed

    def update(self, container_id: str, info: ContainerInfo | None) -> None:
        """One container changed, or was removed (info None)."""
        if info is None:
            self.infos.pop(container_id, None)
            self.forget(container_id)
            return
        self.infos[container_id] = info
        if not info.is_running:
            self.samples.pop(container_id, None)

    def forget(self, container_id: str) -> None:
        """Drop a container's stats and history."""
        self.samples.pop(container_id, None)
        self.history.pop(container_id, None)

    def add_samples(self, samples: Iterable[StatsSample]) -> set[str]:
        """Keep the latest samples and the history; return the containers with a new one."""
        fresh = set()
        for sample in samples:
            cid = sample.container_id
            if cid not in self.infos:
                continue
            self.samples[cid] = sample
            cpu, mem = self.history.setdefault(cid, (deque(maxlen=HISTORY), deque(maxlen=HISTORY)))
            cpu.append(sample.cpu_percent)
            mem.append(sample.memory_percent)
            fresh.add(cid)
        return fresh

    # Rows ----------------------------------------------------------------------------------

    def project_of(self, container_id: str) -> str | None:
        """The compose project of a known container."""
        info = self.infos.get(container_id)
        return project_name(info) if info is not None else None

    def passes_filter(self, info: ContainerInfo) -> bool:
        """Whether the toggle and the filter let `info` through (its project's name matches too)."""
        if not self.show_all and not info.is_running:
            return False
        if self.engine_filter is not None and info.engine != self.engine_filter:
            return False
        needle = self.filter_text.lower()
        project = project_name(info) or ""
        haystack = (info.name, info.image, info.id[: max(12, len(needle))], info.state, project)
        return not needle or any(needle in field.lower() for field in haystack)

    def order(self) -> list[str]:
        """The row keys to show, in order: projects grouped under their header rows."""
        shown = [cid for cid, info in self.infos.items() if self.passes_filter(info)]
        folded = self.groups.folded
        return grouped_order(shown, self.rank, self.sort_reverse, self.project_of, folded)

    def rank(self, container_id: str) -> Any:
        """The sort key of a container for the current sort column."""
        info = self.infos[container_id]
        return container_rank(info, self.samples.get(container_id), self.sort_column, self.clock())

    def cells(self, key: str) -> Cells:
        """Every column's cell of a row: a project's header, or a container (its name ticked
        when marked, indented under its project)."""
        project = project_of_key(key)
        if project is not None:
            return self.groups.header_cells(project, self.infos, self.samples)
        info = self.infos[key]
        sample = self.samples.get(key) if info.is_running else None
        name = f"✓ {info.name}" if key in self.marked else info.name
        member = self.project_of(key) is not None
        return {
            **container_cells(info, sample, self.clock()),
            "name": member_name(name) if member else name,
        }

    def selection(self, key: str | None) -> tuple[str, str, list[float], list[float]]:
        """The stats panel for a row: CPU and memory lines and histories of a container, or of
        a project's running containers, summed."""
        project = self.groups.projects.get(project_of_key(key) or "")
        if project is not None:
            live = running_samples(project, self.infos, self.samples)
            cpu_label, mem_label = project_stats_labels(project.name, live)
            running = [i.id for i in project.containers(self.infos) if i.is_running]
            histories = [self.history[cid] for cid in running if cid in self.history]
            cpu = summed(cpu for cpu, _ in histories)
            mem = summed(mem for _, mem in histories)
            return cpu_label, mem_label, cpu, mem
        cid = key or ""
        name = self.infos[cid].name if cid in self.infos else ""
        cpu_label, mem_label = stats_labels(name, self.samples.get(cid))
        cpu, mem = (list(series) for series in self.history.get(cid, ((), ())))
        return cpu_label, mem_label, cpu, mem
