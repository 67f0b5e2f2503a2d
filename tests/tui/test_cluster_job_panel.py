"""The Training tab's cluster job after its run removed the service: rows end as the nodes saw.

The readings are made here, not read from a Swarm: the race (a node's `die` event comes before
the manager hears of the task's end, and the run removes the service in between) is one a real
Swarm shows only now and then (CI saw it once, tests/integration/test_cluster_training.py), so
its order is fixed by hand.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from textual.app import App, ComposeResult

from tests.unit.swarm_samples import NODE_1, NODE_2, node, service, task
from tui.engine.swarm import SwarmNode, SwarmService, SwarmTask, ended_by_exit
from tui.engine.swarm_feed import SwarmLoaded
from tui.lab.container_spec import ROLE_LABEL
from tui.views.swarm.job_panel import JOB_ROLE, ClusterJobPanel
from tui.views.widgets.keyed_table import KeyedTable

NOW = datetime(2026, 12, 6, 17, 21, tzinfo=UTC)
NODES = [
    SwarmNode.from_raw(node(NODE_1, "node-1", manager=True)),
    SwarmNode.from_raw(node(NODE_2, "node-2")),
]
JOB = replace(
    SwarmService.from_raw(
        service("j1", "cl-train-ab12", mode={"ReplicatedJob": {"TotalCompletions": 2}})
    ),
    labels={ROLE_LABEL: JOB_ROLE},
)


def job_task(task_id: str, slot: int, node_id: str, state: str) -> SwarmTask:
    return SwarmTask.from_raw(task(task_id, "j1", slot, node_id, state, "complete"))


class PanelApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ClusterJobPanel(clock=lambda: NOW)


def states(app: PanelApp) -> list[str]:
    table = app.query_one("#job-tasks", KeyedTable)
    return [str(table.get_row_at(i)[2]) for i in range(table.row_count)]


async def test_a_task_the_manager_had_not_ended_is_shown_as_its_node_ended_it():
    app = PanelApp()
    async with app.run_test(size=(120, 20)) as pilot:
        panel = app.query_one(ClusterJobPanel)
        tasks = [job_task("t1", 1, NODE_1, "complete"), job_task("t2", 2, NODE_2, "running")]
        panel.show_loaded(SwarmLoaded(NODES, [JOB], tasks, NOW))
        await pilot.pause()
        assert states(app) == ["complete", "running"]
        # node-2's `die` (exit 0) reached the feed; the next reading has the service gone.
        panel.show_loaded(SwarmLoaded(NODES, [], [], NOW, {"t2": 0}))
        await pilot.pause()
        assert states(app) == ["complete", "complete"]
        title = str(app.query_one("#job-title").render())
        assert "2 complete (ended" in title, title


def test_a_container_exit_ends_a_task_only_when_the_manager_has_not():
    running = job_task("t2", 2, NODE_2, "running")
    assert ended_by_exit(running, None) is running
    assert ended_by_exit(running, 0).state == "complete"
    failed = ended_by_exit(running, 3)
    assert (failed.state, failed.exit_code, failed.error) == (
        "failed",
        3,
        "task: non-zero exit (3)",
    )
    shut = replace(running, desired_state="shutdown")  # stopped on purpose: the manager says how
    assert ended_by_exit(shut, 143) is shut
    done = replace(running, state="complete")
    assert ended_by_exit(done, 1) is done


async def test_a_reading_taken_while_the_service_is_removed_keeps_the_tasks_read_before():
    """CI saw a reading list the job's service after the manager had deleted its tasks: the
    rows went empty and the ended job showed none."""
    app = PanelApp()
    async with app.run_test(size=(120, 20)) as pilot:
        panel = app.query_one(ClusterJobPanel)
        tasks = [job_task("t1", 1, NODE_1, "complete"), job_task("t2", 2, NODE_2, "running")]
        panel.show_loaded(SwarmLoaded(NODES, [JOB], tasks, NOW))
        # t2 deleted first; its node's `die` (exit 0) had reached the feed
        panel.show_loaded(SwarmLoaded(NODES, [JOB], [tasks[0]], NOW, {"t2": 0}))
        await pilot.pause()
        assert states(app) == ["complete", "complete"]
        panel.show_loaded(SwarmLoaded(NODES, [JOB], [], NOW, {"t2": 0}))
        panel.show_loaded(SwarmLoaded(NODES, [], [], NOW, {"t2": 0}))
        await pilot.pause()
        assert states(app) == ["complete", "complete"]
        title = str(app.query_one("#job-title").render())
        assert "2 complete (ended" in title, title
