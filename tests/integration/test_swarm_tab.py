"""The Swarm tab on the session's real 3-node cluster: its rows against `docker node ls` and
`docker service ps`, every action through its keys, read-only refusing each one, bad input.

The faults (a node's engine stopped, the manager's engine restarted, a task that never starts)
are in test_swarm_faults.py. Every service here is made straight through the manager's API
with the test's labels and removed at the end.
"""

from __future__ import annotations

import pytest

from tests.cluster_fixture import SessionCluster
from tests.integration.engines import free_port
from tests.integration.swarm_helpers import (
    cluster_app,
    docker_cli,
    make_service,
    pane_of,
    rows,
    select_row,
    until,
)
from tests.tui.dashboard_helpers import record_notices
from tui.cluster.plan import CLUSTERS_ENV
from tui.views.logs.screen import LogsScreen
from tui.views.read_only import SWARM_CHANGES
from tui.views.swarm.rows import stack_key
from tui.views.widgets.confirm import ConfirmScreen

pytestmark = pytest.mark.docker


@pytest.fixture()
def cluster(swarm_cluster: SessionCluster, test_labels, monkeypatch):
    """The session's cluster, found by the dashboard as the lab's own; this test's services
    removed afterwards."""
    monkeypatch.setenv(CLUSTERS_ENV, str(swarm_cluster.base))
    yield swarm_cluster
    name = test_labels["org.container-lab.test.name"]
    swarm_cluster.remove_services(f"org.container-lab.test.name={name}")


def service(cluster: SessionCluster, name: str) -> dict:
    return cluster.manager.api.inspect_service(name)


async def loaded(pilot, app, service_names, replicas):
    pane = pane_of(app)
    await until(
        pilot,
        lambda: all(
            any(s.name == name and s.running == n for s in pane.tables.services.values())
            for name, n in zip(service_names, replicas, strict=True)
        ),
        f"{service_names} running in the tab",
    )


async def test_rows_match_node_ls_and_service_ps(cluster, test_labels):
    port = free_port()
    make_service(cluster, "shop-web", test_labels, replicas=3, stack="shop")
    make_service(cluster, "api", test_labels, replicas=1, publish=port)
    app = cluster_app(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("7")
        pane = pane_of(app)
        await loaded(pilot, app, ["shop-web", "api"], [3, 1])
        tables = pane.tables

        listed = docker_cli(
            cluster,
            "node", "ls", "--format",
            "{{.Hostname}}|{{.Status}}|{{.Availability}}|{{.ManagerStatus}}|{{.EngineVersion}}",
        )  # fmt: skip
        shown = {row[0]: row for row in rows(tables.table("nodes"))}
        assert sorted(shown) == ["node-1", "node-2", "node-3"]
        for line in listed:
            host, status, availability, manager, version = line.split("|")
            row = shown[host]
            assert row[3] == status.lower() and row[2] == availability.lower(), (line, row)
            assert ("leader" in row[1]) == (manager == "Leader"), (line, row)
            assert row[4] == version and row[5] == "2"
        for host, row in shown.items():  # TASKS: what `docker node ps` counts running
            running = docker_cli(
                cluster, "node", "ps", host, "--filter", "desired-state=running",
                "--format", "{{.CurrentState}}",
            )  # fmt: skip
            assert int(row[7]) == sum(1 for state in running if state.startswith("Running"))

        listed = docker_cli(
            cluster, "service", "ls", "--format", "{{.Name}}|{{.Mode}}|{{.Replicas}}|{{.Image}}"
        )
        by_name = {row[0].strip(): row for row in rows(tables.table("services"))}
        for line in listed:
            name, mode, replicas, image = line.split("|")
            row = by_name[name]
            assert row[1] == mode and row[2] == replicas.split(" ")[0], (line, row)
            assert row[6] == image.split("@")[0], (line, row)
        assert by_name["api"][7] == f"*:{port}->80/tcp (host)"
        order = [row[0] for row in rows(tables.table("services"))]
        assert order.index("▾ shop") + 1 == order.index("  shop-web"), order
        assert tables.table("services").get_row_index(stack_key("shop")) >= 0

        select_row(tables.table("services"), service(cluster, "shop-web")["ID"])
        await pilot.pause()
        listed = docker_cli(
            cluster, "service", "ps", "shop-web", "--no-trunc",
            "--format", "{{.Name}}|{{.Node}}|{{.DesiredState}}|{{.CurrentState}}",
        )  # fmt: skip
        await until(
            pilot,
            lambda: len(rows(tables.table("tasks"))) == len(listed),
            "the tasks table as long as `docker service ps`",
        )
        from_cli = sorted(
            (name.replace("\\_", "").strip(), node, desired.lower(), current.split()[0].lower())
            for name, node, desired, current in (line.split("|") for line in listed)
        )
        in_tab = sorted(
            (row[0].replace("\\_", "").strip(), row[1], row[3], row[2])
            for row in rows(tables.table("tasks"))
        )
        assert in_tab == from_cli


async def test_every_node_s_engine_is_followed(cluster):
    """A task's container ends on its node's engine a moment before the manager hears of it:
    the feed follows every node's engine. Before, a worker's `info`, which names no cluster,
    left both workers unfollowed (their tasks' `die` events unread, the Swarm read every 10 s)."""
    app = cluster_app(cluster)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("7")
        pane = pane_of(app)
        await until(pilot, lambda: len(pane.tables.nodes) == 3, "the three nodes in the tab")
        assert pane.found is not None
        assert sorted(pane.found.followed.values()) == sorted(s.name for s in cluster.specs())
        assert pane.feed is not None and pane.feed.all_followed


async def test_every_action_through_its_keys(cluster, test_labels):
    service_id = make_service(cluster, "act-web", test_labels, replicas=2)
    app = cluster_app(cluster)
    notices = record_notices(app)
    api = cluster.manager.api
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("7")
        pane = pane_of(app)
        await loaded(pilot, app, ["act-web"], [2])
        services = pane.tables.table("services")
        select_row(services, service_id)
        services.focus()

        await pilot.press("s")  # scale: the prompt takes the number
        await pilot.press("3", "enter")
        await until(pilot, lambda: pane.tables.services[service_id].running == 3, "3 replicas")
        assert service(cluster, service_id)["Spec"]["Mode"]["Replicated"]["Replicas"] == 3

        before = {
            t["ID"] for t in api.tasks(filters={"service": service_id, "desired-state": "running"})
        }
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await until(
            pilot,
            lambda: (
                service(cluster, service_id).get("UpdateStatus", {}).get("State") == "completed"
            ),
            "the rolling restart to complete",
        )
        after = {
            t["ID"] for t in api.tasks(filters={"service": service_id, "desired-state": "running"})
        }
        assert service(cluster, service_id)["Spec"]["TaskTemplate"]["ForceUpdate"] == 1
        assert not before & after, "every task was replaced"

        await pilot.press("b")
        await pilot.press("y")
        await until(
            pilot,
            lambda: (
                service(cluster, service_id).get("UpdateStatus", {}).get("State")
                == "rollback_completed"
            ),
            "the rollback to complete",
        )
        assert service(cluster, service_id)["Spec"]["TaskTemplate"].get("ForceUpdate", 0) == 0

        nodes = pane.tables.table("nodes")
        node3 = next(n for n in pane.tables.nodes.values() if n.hostname == "node-3")
        select_row(nodes, node3.id)
        await pilot.press("d")
        await pilot.press("y")
        await until(
            pilot,
            lambda: (
                api.inspect_node(node3.id)["Spec"]["Availability"] == "drain"
                and not api.tasks(filters={"node": node3.id, "desired-state": "running"})
            ),
            "node-3 drained",
        )
        await until(
            pilot, lambda: pane.tables.nodes[node3.id].availability == "drain", "drain shown"
        )
        await pilot.press("p")
        await until(
            pilot, lambda: api.inspect_node(node3.id)["Spec"]["Availability"] == "pause", "pause"
        )
        await pilot.press("a")
        await until(
            pilot, lambda: api.inspect_node(node3.id)["Spec"]["Availability"] == "active", "active"
        )

        select_row(services, service_id)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogsScreen), "the service's logs")
        logs = app.screen
        await until(
            pilot,
            lambda: (
                {
                    line.source.split("@")[1]
                    for line in logs.buffer.lines
                    if "tick from" in line.text
                }
                >= {"node-1", "node-2"}
            ),
            "lines of tasks on several nodes, merged",
        )
        assert all(line.text.startswith("tick from node-") for line in logs.buffer.lines)
        await pilot.press("escape")

        await pilot.press("D")
        await pilot.press("y")
        await until(pilot, lambda: service_id not in pane.tables.services, "the service gone")
        assert not api.services(filters={"id": service_id})
        done = [
            n for n in notices if n.startswith(("scale", "restart", "rollback", "drain", "remove"))
        ]
        assert len(done) >= 5, notices


@pytest.mark.bad_input
async def test_scale_refuses_what_is_not_a_replica_count(cluster, test_labels, bad_input):
    service_id = make_service(cluster, "bad-web", test_labels, replicas=1)
    app = cluster_app(cluster)
    notices = record_notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7")
        pane = pane_of(app)
        await loaded(pilot, app, ["bad-web"], [1])
        select_row(pane.tables.table("services"), service_id)
        version = service(cluster, service_id)["Version"]["Index"]
        for text in ("abc", "-1", "2.5", "100000"):
            await pilot.press("s")
            await pilot.press(*text, "enter")
            await until(pilot, lambda t=text: any(repr(t) in n for n in notices), f"{text} refused")
            said = next(n for n in notices if repr(text) in n)
            assert "\n" not in said and "bad-web keeps 1" in said, said
            bad_input(f"scale to {text}")
        assert service(cluster, service_id)["Version"]["Index"] == version, "nothing changed"


async def test_read_only_hides_and_refuses_every_swarm_action(cluster, test_labels):
    service_id = make_service(cluster, "ro-web", test_labels, replicas=1)
    app = cluster_app(cluster, read_only=True)
    notices = record_notices(app)
    api = cluster.manager.api
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7")
        pane = pane_of(app)
        await loaded(pilot, app, ["ro-web"], [1])
        select_row(pane.tables.table("services"), service_id)
        pane.tables.table("services").focus()
        await pilot.pause()
        shown = {b.action for _, b, enabled, _ in app.screen.active_bindings.values() if enabled}
        assert not shown & SWARM_CHANGES, shown & SWARM_CHANGES
        for key in ("s", "r", "b", "D", "d", "p", "a", "m", "x"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen), key
        versions = (
            service(cluster, service_id)["Version"]["Index"],
            [n["Version"]["Index"] for n in api.nodes()],
        )
        for action in sorted(SWARM_CHANGES):
            getattr(pane, f"action_{action}")()  # what the palette or a remapped key would call
        await pilot.pause()
        for what in ("scaling", "rolling restart", "rollback", "service removal", "draining",
                     "pausing a node", "activating a node", "the orchestration lesson",
                     "stopping the lesson"):  # fmt: skip
            assert f"read-only: {what} is disabled" in notices, (what, notices)
        assert not isinstance(app.screen, ConfirmScreen)
        after = (
            service(cluster, service_id)["Version"]["Index"],
            [n["Version"]["Index"] for n in api.nodes()],
        )
        assert after == versions, "read-only changed the Swarm"
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Service logs" in titles, "the palette still lists what only looks"
        assert not titles & {"Scale service…", "Remove service", "Drain node", "Roll back service"}
