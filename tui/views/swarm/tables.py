"""The Swarm tab's tables: nodes, services (grouped by stack), the selected service's tasks,
and that service's CPU and memory, summed over its tasks, as sparklines.

It only draws what it is handed (a `SwarmLoaded` report and the containers' latest samples);
the pane owns the feed and the keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Sparkline

from tui.engine.stats.api import StatsSample
from tui.engine.swarm import SwarmNode, SwarmService, SwarmTask
from tui.engine.swarm_feed import SwarmLoaded
from tui.views.presentation import summed
from tui.views.swarm.rows import (
    STACK_KEY,
    node_cells,
    running_per_node,
    service_cells,
    service_order,
    service_samples,
    stack_cells,
    stack_key,
    stats_cells,
    task_cells,
    task_order,
)
from tui.views.widgets.keyed_table import KeyedTable

NODE_COLUMNS = ("node", "role", "availability", "state", "engine", "cpus", "memory", "tasks")
SERVICE_COLUMNS = ("service", "mode", "replicas", "update", "cpu", "mem", "image", "ports")
TASK_COLUMNS = ("task", "node", "state", "desired", "age", "cpu", "mem", "error")
HEADERS = {
    "availability": "avail",
    "desired": "desired",
    "replicas": "replicas",
    "cpus": "cpus",
    "mem": "memory",
}


class SampleSource(Protocol):
    """Where the containers' latest samples and histories are kept (the containers pane)."""

    @property
    def samples(self) -> Mapping[str, StatsSample]: ...

    @property
    def history(self) -> Mapping[str, tuple[Sequence[float], Sequence[float]]]: ...


def _table(columns: Sequence[str], table_id: str) -> KeyedTable:
    table = KeyedTable(unique_column=columns[0], id=table_id, classes="swarm-table")
    for key in columns:
        table.add_column(
            HEADERS.get(key, key).upper() if key != columns[0] else key.upper(), key=key
        )
    return table


class SwarmTables(Vertical):
    """Nodes, services and tasks of one Swarm, updated in place by key."""

    def __init__(
        self,
        stats: Callable[[], SampleSource | None],
        clock: Callable[[], datetime],
        **kwargs: str,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.stats = stats
        self.clock = clock
        self.loaded: SwarmLoaded | None = None
        self.services: dict[str, SwarmService] = {}
        self.nodes: dict[str, SwarmNode] = {}

    def compose(self) -> ComposeResult:
        yield _table(NODE_COLUMNS, "swarm-nodes")
        yield _table(SERVICE_COLUMNS, "swarm-services")
        yield Label("", id="swarm-tasks-title")
        yield _table(TASK_COLUMNS, "swarm-tasks")
        with Horizontal(id="swarm-stats"):
            with Vertical(classes="spark"):
                yield Label("CPU", id="swarm-cpu-label")
                yield Sparkline([], id="swarm-cpu-spark")
            with Vertical(classes="spark"):
                yield Label("Memory", id="swarm-mem-label")
                yield Sparkline([], id="swarm-mem-spark")

    def table(self, which: str) -> KeyedTable:
        """The `nodes`, `services` or `tasks` table."""
        return self.query_one(f"#swarm-{which}", KeyedTable)

    @property
    def selected_service(self) -> SwarmService | None:
        """The service under the services table's cursor (None on a stack's header)."""
        key = self.table("services").cursor_key
        return self.services.get(key) if key else None

    @property
    def selected_node(self) -> SwarmNode | None:
        """The node under the nodes table's cursor."""
        key = self.table("nodes").cursor_key
        return self.nodes.get(key) if key else None

    def _samples(self) -> Mapping[str, StatsSample]:
        source = self.stats()
        return source.samples if source is not None else {}

    def show(self, loaded: SwarmLoaded) -> None:
        """Draw a new reading of the Swarm."""
        self.loaded = loaded
        self.nodes = {node.id: node for node in loaded.nodes}
        self.services = {service.id: service for service in loaded.services}
        counts = running_per_node(loaded.tasks)
        nodes = sorted(loaded.nodes, key=lambda n: (n.role != "manager", n.hostname))
        self.table("nodes").sync({n.id: node_cells(n, counts.get(n.id, 0)) for n in nodes})
        self.show_services()
        self.show_tasks()

    def show_services(self) -> None:
        """The services, grouped by stack, with their tasks' stats summed."""
        loaded = self.loaded
        if loaded is None:
            return
        samples = self._samples()
        by_service = _tasks_by_service(loaded.tasks)
        rows: dict[str, list[object]] = {}
        for key, service in service_order(loaded.services):
            if service is None:
                stack = key.removeprefix(STACK_KEY)
                members = [s for s in loaded.services if s.stack == stack]
                rows[stack_key(stack)] = stack_cells(stack, members)
            else:
                live = service_samples(by_service.get(service.id, []), samples)
                rows[key] = service_cells(service, live)
        self.table("services").sync(rows)

    def show_tasks(self) -> None:
        """The selected service's tasks (history marked), and its summed sparklines."""
        now = self.clock()
        loaded = self.loaded
        service = self.selected_service
        title = self.query_one("#swarm-tasks-title", Label)
        if loaded is None or service is None:
            title.update("Tasks: select a service")
            self.table("tasks").sync({})
            self._sparklines("", [])
            return
        title.update(f"Tasks of {service.name} ({service.mode}, image {service.image})")
        samples = self._samples()
        names = {node.id: node.hostname for node in loaded.nodes}
        tasks = task_order(t for t in loaded.tasks if t.service_id == service.id)
        rows: dict[str, list[object]] = {}
        seen: set[tuple[int, str]] = set()
        for task in tasks:
            slot = (task.slot, task.node_id if not task.slot else "")
            history = slot in seen
            seen.add(slot)
            sample = samples.get(task.container_id) if task.running else None
            rows[task.id] = task_cells(task, service.name, names, sample, now, history=history)
        self.table("tasks").sync(rows)
        running = [t for t in tasks if t.running]
        self._sparklines(service.name, running)

    def _sparklines(self, name: str, running: Sequence[SwarmTask]) -> None:
        source = self.stats()
        samples = self._samples()
        live = [samples[t.container_id] for t in running if t.container_id in samples]
        cpu_text, mem_text = stats_cells(live)
        cpu_label = f"{name}  CPU {cpu_text}" if name else "CPU"
        mem_label = (
            f"Memory {mem_text} in {len(live)} of {len(running)} tasks" if name else "Memory"
        )
        if name and not live and running:
            mem_label += " (watch the nodes' engines for their figures)"
        self.query_one("#swarm-cpu-label", Label).update(cpu_label)
        self.query_one("#swarm-mem-label", Label).update(mem_label)
        histories = source.history if source is not None else {}
        series = [histories[t.container_id] for t in running if t.container_id in histories]
        self.query_one("#swarm-cpu-spark", Sparkline).data = summed(s[0] for s in series)
        self.query_one("#swarm-mem-spark", Sparkline).data = summed(s[1] for s in series)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Another service selected: show its tasks."""
        if event.data_table.id == "swarm-services" and self.loaded is not None:
            self.show_tasks()


def _tasks_by_service(tasks: Sequence[SwarmTask]) -> dict[str, list[SwarmTask]]:
    grouped: dict[str, list[SwarmTask]] = {}
    for task in tasks:
        grouped.setdefault(task.service_id, []).append(task)
    return grouped
