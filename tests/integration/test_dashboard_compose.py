"""Compose projects in the Containers tab, driven by keys against the real engine and a real
compose CLI: the project actions run under both docker-compose v1 (bookworm's 1.29) and the
`docker compose` v2 plugin (2.26.1, which `./lab test` extracts from trixie's package), chosen
through $CONTAINER_LAB_COMPOSE (the `compose_tool` fixture); the other tests use the one
detected here.

Each test brings up its own project (a unique name, every container labelled with the session's
labels) and takes it down at the end.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Label

from tests.conftest import SESSION_LABELS, TEST_IMAGE, TEST_LABEL
from tests.integration.conftest import ComposeTool
from tests.tui.dashboard_helpers import record_notices, until
from tui.engine.backend import DockerBackend
from tui.engine.compose import (
    COMPOSE_ENV,
    PROJECT_LABEL,
    ProjectAction,
    compose_command,
    detect_compose,
)
from tui.views.app import ContainerLabApp
from tui.views.containers.pane import ContainersPane
from tui.views.messages import LogsRequested
from tui.views.presentation import project_key
from tui.views.widgets.confirm import ConfirmScreen

pytestmark = pytest.mark.docker
SIZE = (160, 40)
VERSION_LABEL = "com.docker.compose.version"
BOTH_TOOLS = pytest.mark.parametrize("compose_tool", ["v1", "v2"], indirect=True)
SERVICE = """\
  {name}:
    image: {image}
    command: ["sleep", "infinity"]
    init: true
    labels:
{labels}
"""


@dataclass
class Project:
    """A compose project of the test's own: two services, `web` and `worker`."""

    name: str
    file: Path
    text: str
    client: docker.DockerClient
    tool: ComposeTool

    def compose(self, *args: str) -> None:
        argv = [*compose_command(), "-p", self.name, "-f", str(self.file), *args]
        subprocess.run(argv, cwd=self.file.parent, check=True, capture_output=True, timeout=120)

    def summaries(self) -> list[dict[str, Any]]:
        """The project's containers as the list call has them (no inspect: they may be going)."""
        found = self.client.api.containers(
            all=True, filters={"label": f"{PROJECT_LABEL}={self.name}"}
        )
        return sorted(found, key=lambda s: s["Names"][0])

    def ids(self) -> set[str]:
        return {s["Id"] for s in self.summaries()}

    def names(self) -> list[str]:
        return [s["Names"][0].lstrip("/") for s in self.summaries()]

    def states(self) -> list[str]:
        return [s["State"] for s in self.summaries()]

    def assert_made_by_its_tool(self) -> None:
        """Its containers' names and version label are those of the tool the test chose."""
        expected = [self.tool.container_name(self.name, s) for s in ("web", "worker")]
        assert self.names() == expected
        for summary in self.summaries():
            assert summary["Labels"][VERSION_LABEL].startswith(self.tool.label_prefix), summary

    def started(self) -> dict[str, str]:
        """When each container last started."""
        return {
            cid: self.client.api.inspect_container(cid)["State"]["StartedAt"] for cid in self.ids()
        }


@pytest.fixture()
def project(
    docker_client: docker.DockerClient,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    compose_tool: ComposeTool,
) -> Iterator[Project]:
    """Up a two-service project in a folder of its own with the test's compose tool; down (files
    restored) at the end."""
    name = f"cltest-{SESSION_LABELS[TEST_LABEL]}-{uuid.uuid4().hex[:6]}"
    labels = {**SESSION_LABELS, f"{TEST_LABEL}.name": request.node.name[:60]}
    label_lines = "".join(f'      {key}: "{value}"\n' for key, value in labels.items())
    services = "".join(
        SERVICE.format(name=service, image=TEST_IMAGE, labels=label_lines)
        for service in ("web", "worker")
    )
    text = f'version: "3.7"\nservices:\n{services}'
    folder = tmp_path / "stack"
    folder.mkdir()
    found = Project(name, folder / "compose.yaml", text, docker_client, compose_tool)
    found.file.write_text(text)
    found.compose("up", "-d")
    try:
        found.assert_made_by_its_tool()
        yield found
    finally:
        found.file.write_text(text)  # a test may have deleted it
        found.compose("down", "-t", "1")


async def on_header(pilot: Pilot, app: ContainerLabApp, project: Project) -> ContainersPane:
    """Wait for the project's rows, then put the cursor on its header."""
    pane = app.containers
    ids = project.ids()
    await until(pilot, lambda: ids <= pane.table.row_keys(), what="the project's rows", seconds=60)
    pane.table.move_cursor(row=pane.table.get_row_index(project_key(project.name)))
    await pilot.pause()
    assert pane.selected_project == project.name
    return pane


async def answer(pilot: Pilot, app: ContainerLabApp, key: str, reply: str) -> str:
    """Press `key`, wait for the question, answer `reply`; the question's text."""
    await pilot.press(key)
    await until(
        pilot,
        lambda: isinstance(app.screen, ConfirmScreen),
        what=f"the question after {key}",
        seconds=60,
    )
    screen = app.screen
    assert isinstance(screen, ConfirmScreen)
    await pilot.press(reply)
    await until(
        pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="the answer", seconds=60
    )
    return screen.question


@BOTH_TOOLS
async def test_a_project_is_grouped_folds_and_is_recreated_with_new_containers(
    project: Project,
) -> None:
    app = ContainerLabApp(DockerBackend())
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        pane = await on_header(pilot, app, project)
        table, header = pane.table, project_key(project.name)
        old = project.ids()
        place = table.get_row_index(header)
        below = {table.ordered_rows[place + n].key.value for n in (1, 2)}
        assert below == old  # its containers right under its header
        assert str(table.get_cell(header, "name")) == f"▼ {project.name}"
        assert str(table.get_cell(header, "image")) == "2 services"
        assert str(table.get_cell(header, "state")) == "2/2 running"
        for cid in old:
            assert str(table.get_cell(cid, "name")).startswith("  " + project.name)

        await pilot.press("enter")  # folds
        await until(pilot, lambda: not old & table.row_keys(), what="the fold", seconds=60)
        assert str(table.get_cell(header, "name")) == f"▶ {project.name}"
        assert table.cursor_key == header
        app.refresh_containers()  # as the 1 s timer does: the cursor stays on the folded row
        await pilot.pause()
        assert table.cursor_key == header
        await pilot.press("z")  # unfolds
        await until(pilot, lambda: old <= table.row_keys(), what="the unfold", seconds=60)
        assert table.cursor_key == header

        names = project.names()  # before the answer: compose renames the old ones as it recreates
        question = await answer(pilot, app, "U", "y")
        assert all(name in question for name in names)
        await until(
            pilot,
            lambda: len(project.ids()) == 2 and not project.ids() & old,
            what="new containers",
            seconds=60,
        )
        await until(
            pilot,
            lambda: project.states() == ["running", "running"],
            what="them running",
            seconds=60,
        )
        new = project.ids()
        await until(pilot, lambda: new <= table.row_keys(), what="the new rows", seconds=60)
        await until(
            pilot, lambda: not old & table.row_keys(), what="the old rows to go", seconds=60
        )
        await until(
            pilot,
            lambda: "project up: " + project.name in notices,
            what="the done notice",
            seconds=60,
        )
        project.assert_made_by_its_tool()  # the dashboard's `up` ran the chosen tool


@BOTH_TOOLS
async def test_stop_start_and_restart_a_whole_project(project: Project) -> None:
    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=SIZE) as pilot:
        pane = await on_header(pilot, app, project)
        header = project_key(project.name)
        # the header's figures above the sparklines: both containers' CPU and memory, summed
        cpu_label, mem_label = (pane.query_one(f"#{n}-label", Label) for n in ("cpu", "mem"))
        await until(
            pilot,
            lambda: str(mem_label.render()).endswith(" in 2 containers"),
            what="the project's summed memory",
            seconds=60,
        )
        assert str(cpu_label.render()).startswith(f"{project.name}  CPU ")
        assert str(cpu_label.render()).endswith("%")
        question = await answer(pilot, app, "t", "y")
        assert all(name in question for name in project.names())
        await until(
            pilot, lambda: project.states() == ["exited", "exited"], what="the stop", seconds=60
        )
        await until(
            pilot,
            lambda: str(pane.table.get_cell(header, "state")) == "0/2 running",
            what="the header to say so",
            seconds=60,
        )
        assert pane.selected_project == project.name

        await pilot.press("u")  # start asks nothing
        await until(
            pilot, lambda: project.states() == ["running", "running"], what="the start", seconds=60
        )
        started = project.started()

        await answer(pilot, app, "r", "y")
        await until(
            pilot,
            lambda: (
                project.states() == ["running", "running"]
                and all(project.started()[cid] != when for cid, when in started.items())
            ),
            what="the restart",
            seconds=60,
        )
        assert project.ids() == set(started)  # restarted, not replaced


@BOTH_TOOLS
async def test_down_asks_first_and_no_changes_nothing(project: Project) -> None:
    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=SIZE) as pilot:
        pane = await on_header(pilot, app, project)
        before = project.ids()
        question = await answer(pilot, app, "D", "n")
        assert all(name in question for name in project.names())
        await pilot.pause(0.5)  # nothing would run: let a wrongly started worker show up
        assert project.ids() == before
        assert project.states() == ["running", "running"]
        assert not [w for w in app.workers if w.group == "compose"]

        await answer(pilot, app, "D", "y")
        await until(pilot, lambda: not project.ids(), what="the containers to go", seconds=60)
        await until(
            pilot, lambda: not before & pane.table.row_keys(), what="their rows to go", seconds=60
        )
        assert project_key(project.name) not in pane.table.row_keys()
        # compose removes the network after the containers, so their rows can go first
        network = f"{project.name}_default"
        await until(
            pilot,
            lambda: not project.client.networks.list(names=[network]),
            what="the project's network to go",
            seconds=60,
        )


async def test_a_project_whose_compose_file_is_gone_runs_nothing(
    project: Project, bad_input: Callable[[str], None]
) -> None:
    project.file.unlink()
    app = ContainerLabApp(DockerBackend())
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        await on_header(pilot, app, project)
        before = project.ids()
        for key in ("t", "D", "U", "r", "u"):
            await pilot.press(key)
            await pilot.pause(0.2)
            assert not isinstance(app.screen, ConfirmScreen), key
        said = f"project {project.name}: compose file {project.file} is gone; nothing was run"
        await until(pilot, lambda: said in notices, what="the notice", seconds=60)
        assert project.ids() == before
        assert project.states() == ["running", "running"]
        bad_input("deleted compose file")


async def test_read_only_refuses_every_project_action(project: Project) -> None:
    app = ContainerLabApp(DockerBackend(), read_only=True)
    notices = record_notices(app)
    async with app.run_test(size=SIZE) as pilot:
        pane = await on_header(pilot, app, project)
        before = project.ids()
        for key in ("t", "D", "U", "r", "u", "y"):
            await pilot.press(key)
            await pilot.pause(0.1)
            assert not isinstance(app.screen, ConfirmScreen), key
        for action in ("down", "stop", "restart", "up", "start"):  # what the palette could reach
            pane.post_message(ContainersPane.ProjectRequested(ProjectAction(action), project.name))
        # The keys were refused at the gate (their own notices); the requests come after.
        actions = ("down", "stop", "restart", "up", "start")
        wanted = [f"read-only: project {action} is disabled" for action in actions]
        await until(
            pilot, lambda: all(w in notices for w in wanted), what="the notices", seconds=60
        )
        assert project.ids() == before
        assert project.states() == ["running", "running"]


async def test_logs_on_a_project_row_ask_for_every_container_of_the_project(
    project: Project,
) -> None:
    asked: list[LogsRequested] = []

    def hook(message: Message) -> None:
        if isinstance(message, LogsRequested):
            asked.append(message)

    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await on_header(pilot, app, project)
        await pilot.press("l")
        await until(pilot, lambda: bool(asked), what="the logs request", seconds=60)
        ids = [s["Id"] for s in project.summaries()]
        assert sorted(asked[0].container_ids) == sorted(ids)
        assert asked[0].title == f"project {project.name}"  # as L on the header asks


@pytest.mark.parametrize("compose_tool", ["v2"], indirect=True)
def test_the_v2_plugin_is_detected_and_preferred_when_docker_finds_it(
    compose_tool: ComposeTool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No $CONTAINER_LAB_COMPOSE: the real plugin in DOCKER_CONFIG answers `docker compose
    # version`, so detection picks it over docker-compose v1, which is installed too.
    monkeypatch.delenv(COMPOSE_ENV)
    assert detect_compose() == ("docker", "compose") == compose_tool.command
