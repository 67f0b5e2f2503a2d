"""The Swarm tab when the cluster misbehaves (the session's real cluster): a node's engine
stops and its tasks are rescheduled, the manager's engine restarts, a task never starts.

Each engine stopped here is started again before the test ends, so the next test finds three
Ready nodes.
"""

from __future__ import annotations

import pytest

from tests.cluster_fixture import SessionCluster
from tests.integration.swarm_helpers import cluster_app, make_service, pane_of, rows, until
from tui.cluster import host
from tui.cluster.plan import CLUSTERS_ENV, NodeState
from tui.engine.swarm_setup import wait_answers

pytestmark = pytest.mark.docker


@pytest.fixture()
def cluster(swarm_cluster: SessionCluster, test_labels, monkeypatch):
    monkeypatch.setenv(CLUSTERS_ENV, str(swarm_cluster.base))
    swarm_cluster.reload()  # an earlier test's lesson restarted a node: its pid is new
    yield swarm_cluster
    for node in swarm_cluster.state.nodes:  # a test that failed half-way left one stopped
        if not host.is_running(node.pid):
            restart(swarm_cluster, node)
    name = test_labels["org.container-lab.test.name"]
    swarm_cluster.remove_services(f"org.container-lab.test.name={name}")


def restart(cluster: SessionCluster, node: NodeState) -> None:
    """Start a stopped node's engine again, as `cluster up` started it."""
    host.stop_process(node.pid)
    node.pid = host.start_dockerd(cluster.state, node)
    cluster.state.save()
    wait_answers(node.url, 90, alive=lambda: host.is_running(node.pid))


def node_state(pane, hostname: str) -> str:
    return next(n.state for n in pane.tables.nodes.values() if n.hostname == hostname)


@pytest.mark.fault
async def test_a_stopped_node_goes_down_in_the_tab_and_its_tasks_move(cluster, test_labels, fault):
    service_id = make_service(cluster, "moving", test_labels, replicas=3)
    node3 = cluster.state.nodes[2]
    app = cluster_app(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("7")
        pane = pane_of(app)
        await until(
            pilot,
            lambda: (
                pane.tables.services[service_id].running == 3
                and any(
                    t.node_id in pane.tables.nodes
                    and pane.tables.nodes[t.node_id].hostname == "node-3"
                    and t.state == "running"
                    for t in pane.tables.loaded.tasks
                    if t.service_id == service_id
                )
            ),
            "3 tasks running, one on node-3",
        )
        host.stop_process(node3.pid)  # SIGTERM: the engine stops its containers and exits
        await until(pilot, lambda: node_state(pane, "node-3") == "down", "node-3 shown down")
        down_row = next(r for r in rows(pane.tables.table("nodes")) if r[0] == "node-3")
        assert down_row[3] == "down" and down_row[7] == "0"

        def moved() -> bool:
            live = [t for t in pane.tables.loaded.tasks if t.service_id == service_id and t.running]
            hosts = {pane.tables.nodes[t.node_id].hostname for t in live}
            return len(live) == 3 and "node-3" not in hosts

        await until(pilot, moved, "node-3's task running on another node")
        assert pane.tables.services[service_id].running == 3
        fault("a node's engine stopped: its task rescheduled")
        restart(cluster, node3)
        await until(pilot, lambda: node_state(pane, "node-3") == "ready", "node-3 ready again")


@pytest.mark.fault
async def test_the_manager_restarting_is_said_and_the_tab_comes_back(cluster, test_labels, fault):
    service_id = make_service(cluster, "steady", test_labels, replicas=2)
    manager = cluster.state.nodes[0]
    app = cluster_app(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("7")
        pane = pane_of(app)
        title = pane.query_one("#swarm-title")
        await until(pilot, lambda: pane.tables.services[service_id].running == 2, "2 running")
        host.stop_process(manager.pid)
        await until(pilot, lambda: "stopped answering" in str(title.render()), "the loss said")
        assert service_id in pane.tables.services, "the rows stay as last seen"
        restart(cluster, manager)
        await until(
            pilot,
            lambda: (
                str(title.render()).startswith("Swarm ")
                and "3 nodes (3 ready)" in str(title.render())
            ),
            "the Swarm shown again, 3 nodes ready",
            seconds=120,
        )
        await until(pilot, lambda: pane.tables.services[service_id].running == 2, "its service")
        fault("the manager's engine restarted")


@pytest.mark.fault
async def test_a_task_that_never_starts_shows_why(cluster, test_labels, fault):
    missing = "container-lab/cluster-demo:absent"  # on no node, and no registry answers
    service_id = make_service(cluster, "never", test_labels, replicas=1, image=missing)
    app = cluster_app(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("7")
        pane = pane_of(app)
        await until(pilot, lambda: service_id in pane.tables.services, "the service listed")
        pane.tables.table("services").move_cursor(
            row=pane.tables.table("services").get_row_index(service_id)
        )
        await until(
            pilot,
            lambda: any("No such image" in r[7] for r in rows(pane.tables.table("tasks"))),
            "the task's error in the tasks table",
        )
        row = next(r for r in rows(pane.tables.table("services")) if r[0] == "never")
        assert row[2] == "0/1"
        fault("a task whose image is on no node")
