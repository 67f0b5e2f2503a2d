"""The Swarm tab's rows from a manager's JSON: nodes, services by stack, tasks in the order of
`docker service ps`, and what counts as running."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text

from tests.unit.swarm_samples import NODE_1, NODE_2, NODE_3, node, service, task
from tui.engine.stats.api import StatsSample
from tui.engine.swarm import SwarmInfo, SwarmNode, SwarmService, SwarmTask, parse_time, with_running
from tui.views.colours import BAD
from tui.views.swarm.rows import (
    node_cells,
    plain,
    running_per_node,
    service_cells,
    service_order,
    stack_cells,
    stack_key,
    task_cells,
    task_order,
)

NOW = datetime(2026, 12, 6, 17, 21, 45, tzinfo=UTC)


def text(cells: list[object]) -> list[str]:
    return [c.plain if isinstance(c, Text) else str(c) for c in cells]


def test_a_node_row_says_role_leader_state_and_resources():
    leader = SwarmNode.from_raw(node(NODE_1, "node-1", manager=True))
    worker = SwarmNode.from_raw(node(NODE_2, "node-2", state="down"))
    assert text(node_cells(leader, 2)) == [
        "node-1", "manager ★ leader", "active", "ready", "20.10.24+dfsg1", "2", "23.54GiB", "2",
    ]  # fmt: skip
    assert text(node_cells(worker, 0))[1:4] == ["worker", "active", "down"]


def test_services_are_listed_loose_first_then_each_stack_under_its_header():
    services = [
        SwarmService.from_raw(service("s3", "zeta", stack="shop")),
        SwarmService.from_raw(service("s1", "beta")),
        SwarmService.from_raw(service("s2", "alpha", stack="shop")),
        SwarmService.from_raw(service("s4", "gamma", stack="blog")),
    ]
    order = [key for key, _ in service_order(services)]
    assert order == ["s1", stack_key("blog"), "s4", stack_key("shop"), "s2", "s3"]
    header = text(stack_cells("shop", [s for s in services if s.stack == "shop"]))
    assert header[0] == "▾ shop" and header[2] == "6/6" and header[6] == "2 services"


def test_a_service_row_shows_replicas_update_stats_image_without_digest_and_ports():
    raw = service(
        "s1",
        "web",
        replicas=3,
        running=2,
        stack="shop",
        update="updating",
        ports=[{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "host"}],
    )
    web = SwarmService.from_raw(raw)
    samples = [
        StatsSample("c1", 1.5, 10 * 2**20, 2**30, 1.0, 0, 0, 0, 0, 1),
        StatsSample("c2", 2.25, 6 * 2**20, 2**30, 0.6, 0, 0, 0, 0, 1),
    ]
    cells = service_cells(web, samples)
    assert text(cells) == [
        "  web", "replicated", "2/3", "updating", "3.75%", "16MiB",
        "container-lab/cluster-demo:v1", "*:8080->80/tcp (host)",
    ]  # fmt: skip
    assert cells[2].spans[0].style == f"bold {BAD}" and not web.converged


def test_modes_and_their_counts():
    job = SwarmService.from_raw(
        service("j", "train", mode={"ReplicatedJob": {"TotalCompletions": 4}}, replicas=None)
    )
    assert (job.mode, job.desired, job.is_job) == ("replicated-job", 4, True)
    glob = SwarmService.from_raw(service("g", "agent", mode={"Global": {}}, replicas=3))
    assert (glob.mode, glob.desired) == ("global", 3)


def test_a_task_on_a_node_gone_down_is_not_counted_running():
    tasks = [
        SwarmTask.from_raw(task("t1", "s1", 1, NODE_1)),
        SwarmTask.from_raw(task("t2", "s1", 2, NODE_3, "running", "shutdown")),  # node down
        SwarmTask.from_raw(task("t3", "s1", 2, NODE_2)),
    ]
    assert running_per_node(tasks) == {NODE_1: 1, NODE_2: 1}
    web = SwarmService.from_raw(service("s1", "web", replicas=2, running=3))
    assert web.running == 3  # the engine's own count
    assert with_running(web, tasks).running == 2 and with_running(web, tasks).converged


def test_tasks_come_in_the_order_of_docker_service_ps():
    raws = [
        task("old", "s1", 1, NODE_2, "failed", "shutdown", created="2026-12-06T17:20:00Z"),
        task("t2", "s1", 2, NODE_3),
        task("new", "s1", 1, NODE_1, created="2026-12-06T17:20:30Z"),
        task("older", "s1", 1, NODE_2, "failed", "shutdown", created="2026-12-06T17:19:00Z"),
    ]
    ordered = [t.id for t in task_order(SwarmTask.from_raw(r) for r in raws)]
    assert ordered == ["new", "old", "older", "t2"]
    names = {NODE_1: "node-1", NODE_2: "node-2"}
    failed = SwarmTask.from_raw(
        task("old", "s1", 1, NODE_2, "failed", "shutdown", error="task: non-zero exit (137)\n")
    )
    cells = text(task_cells(failed, "web", names, None, NOW, history=True))
    assert cells == [" \\_ web.1", "node-2", "failed", "shutdown", "1m", "-", "-",
                     "task: non-zero exit (137)"]  # fmt: skip
    global_task = SwarmTask.from_raw(task("g", "s9", 0, NODE_3))
    assert global_task.name("agent") == f"agent.{NODE_3}"


def test_engine_text_shows_control_characters_as_stand_ins():
    assert plain("evil\x1b[31mred\x07\nname") == "evil␛[31mred␇ name"  # as everywhere: tui/text.py


def test_swarm_info_and_times():
    info = SwarmInfo.from_info(
        {
            "Swarm": {
                "LocalNodeState": "active",
                "NodeID": NODE_1,
                "ControlAvailable": True,
                "Cluster": {
                    "ID": "lfuh608",
                    "Spec": {"Dispatcher": {"HeartbeatPeriod": 2 * 10**9}},
                },
            }
        }
    )
    assert info.active and info.is_manager and info.heartbeat_seconds == 2.0
    assert not SwarmInfo.from_info({"Swarm": {"LocalNodeState": "inactive"}}).active
    assert parse_time("2026-12-06T17:20:44.383175159Z") == datetime(
        2026, 12, 6, 17, 20, 44, 383175, tzinfo=UTC
    )
    assert parse_time("0001-01-01T00:00:00Z") is None and parse_time(None) is None
