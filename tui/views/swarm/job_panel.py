"""The Training tab's view of a cluster job (`./lab train --cluster`): its tasks, live.

It draws what the Swarm tab's feed reads (the pane hands it each reading; no second connection
to the manager): the services labelled as a
training job, each task's node, state, age and error. The last job stays shown, marked ended,
once the run removes its service.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from tui.engine.swarm import SwarmService, SwarmTask, ended_by_exit
from tui.engine.swarm_feed import SwarmLoaded
from tui.lab.container_spec import ROLE_LABEL
from tui.views.swarm.rows import task_cells, task_order
from tui.views.widgets.keyed_table import KeyedTable

JOB_ROLE = "training-job"
COLUMNS = ("task", "node", "state", "desired", "age", "cpu", "mem", "error")


def training_jobs(loaded: SwarmLoaded) -> list[SwarmService]:
    """The cluster training jobs a Swarm runs now."""
    return [s for s in loaded.services if s.labels.get(ROLE_LABEL) == JOB_ROLE]


def job_summary(job: SwarmService, tasks: list[SwarmTask], ended: bool = False) -> str:
    """`Cluster job cl-train-…: 2 replicas, 1 complete, 1 running`."""
    counts: dict[str, int] = {}
    for task in tasks:
        counts[task.state] = counts.get(task.state, 0) + 1
    states = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    end = " (ended: its service, secrets and network are removed)" if ended else ""
    return f"Cluster job {job.name}: {job.desired} replicas, {states or 'no task yet'}{end}"


class ClusterJobPanel(Vertical):
    """The tasks of the lab's cluster training job, if one runs (hidden otherwise)."""

    DEFAULT_CSS = Path(__file__).with_name("job_panel.tcss").read_text(encoding="utf-8")

    def __init__(self, clock: Callable[[], datetime] | None = None, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.clock = clock or (lambda: datetime.now(UTC))
        self.job: SwarmService | None = None
        self.tasks: list[SwarmTask] = []

    def compose(self) -> ComposeResult:
        yield Label("", id="job-title")
        table = KeyedTable(unique_column="task", id="job-tasks")
        for key in COLUMNS:
            table.add_column(key.upper(), key=key)
        yield table

    def show_loaded(self, loaded: SwarmLoaded) -> None:
        """A new reading of the Swarm: the job's tasks (or the last job, ended)."""
        jobs = training_jobs(loaded)
        if jobs:
            if self.job is None or self.job.id != jobs[-1].id:
                self.tasks = []  # another job: the tasks read before are not its own
            self.job = jobs[-1]
        elif self.job is None:
            return
        read = {t.id: t for t in loaded.tasks if t.service_id == self.job.id} if jobs else {}
        # The run removes the service once every replica ended, and the manager deletes its
        # tasks first: a reading between the two lists the job with fewer tasks (or none), one
        # after lists no job. A task read before stays, ended as its node told the feed when
        # the manager had not heard of its end yet.
        kept = (ended_by_exit(t, loaded.exits.get(t.id)) for t in self.tasks if t.id not in read)
        self.tasks = task_order([*read.values(), *kept])
        names = {node.id: node.hostname for node in loaded.nodes}
        now = self.clock()
        rows = {t.id: task_cells(t, self.job.name, names, None, now) for t in self.tasks}
        self.add_class("shown")
        summary = job_summary(self.job, self.tasks, ended=not jobs)
        self.query_one("#job-title", Label).update(Text(summary))
        self.query_one("#job-tasks", KeyedTable).sync(rows)
