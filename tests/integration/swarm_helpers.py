"""Helpers of the Swarm tests: services made straight through the manager's API (not through
the code under test), the docker CLI pointed at the manager, and a dashboard on the cluster."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets.data_table import RowDoesNotExist

from tests.cluster_fixture import SessionCluster
from tui.engine.backend import DockerBackend
from tui.paths import LabPaths
from tui.session import DockerLab
from tui.views.app import ContainerLabApp
from tui.views.swarm.pane import SwarmPane
from tui.views.widgets.keyed_table import KeyedTable

WAIT = 90.0  # generous: three engines and other test runs share two cores
LOOP = 'while :; do echo "tick from $NODE"; sleep 1; done'


def make_service(
    cluster: SessionCluster,
    name: str,
    labels: dict[str, str],
    *,
    replicas: int = 3,
    image: str = "debian:bookworm-slim",
    stack: str = "",
    publish: int = 0,
) -> str:
    """A replicated service that prints a line a second; its id."""
    service_labels = {**labels, **({"com.docker.stack.namespace": stack} if stack else {})}
    spec: dict[str, Any] = {
        "Name": name,
        "Labels": service_labels,
        "TaskTemplate": {
            "ContainerSpec": {
                "Image": image,
                "Args": ["sh", "-c", LOOP],
                "Env": ["NODE={{.Node.Hostname}}"],
                "Init": True,
            },
        },
        "Mode": {"Replicated": {"Replicas": replicas}},
        "EndpointSpec": {"Mode": "dnsrr"},
    }
    if publish:
        spec["EndpointSpec"]["Ports"] = [
            {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": publish, "PublishMode": "host"}
        ]
    api = cluster.manager.api
    url = f"{api.base_url}/v{api.api_version}/services/create"
    response = api.post(url, json=spec, timeout=60)
    response.raise_for_status()
    return str(response.json()["ID"])


def docker_cli(cluster: SessionCluster, *args: str) -> list[str]:
    """The docker CLI against the manager; its output lines."""
    result = subprocess.run(
        ["docker", "-H", cluster.state.manager.url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if line.strip()]


def cluster_app(
    cluster: SessionCluster, *, read_only: bool = False, lab: Path | None = None
) -> ContainerLabApp:
    """The dashboard watching every node's engine, as `--context NAME-node-1 …` would (of the
    lab in the folder `lab`, when given)."""
    session = DockerLab(cluster.state.manager.url, LabPaths(lab)) if lab is not None else None
    backends = [DockerBackend(spec) for spec in cluster.specs()]
    return ContainerLabApp(backends, lab=session, read_only=read_only)


def pane_of(app: ContainerLabApp) -> SwarmPane:
    return app.main_screen.query_one(SwarmPane)


def cells(table: KeyedTable, key: str) -> list[str]:
    """A row's cells as plain text."""
    return [cell.plain if isinstance(cell, Text) else str(cell) for cell in table.get_row(key)]


def rows(table: KeyedTable) -> list[list[str]]:
    """Every row's cells as plain text, top to bottom."""
    return [cells(table, str(row.key.value)) for row in table.ordered_rows]


async def until(
    pilot: Pilot,
    condition: Callable[[], bool],
    what: str,
    seconds: float = WAIT,
    shown: Callable[[], object] | None = None,
):
    """Let the app run until `condition()` holds; fail naming `what` (and what `shown()`
    returns then) after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if condition():
                return
        except (LookupError, RowDoesNotExist):
            pass  # a row not there yet
        if time.monotonic() >= deadline:
            seen = f"; shown: {shown()}" if shown else ""
            raise AssertionError(f"timed out after {seconds:g} s waiting for {what}{seen}")
        await pilot.pause(0.1)


def select_row(table: KeyedTable, key: str) -> None:
    """Put the table's cursor on the row `key`."""
    table.move_cursor(row=table.get_row_index(key), animate=False)
