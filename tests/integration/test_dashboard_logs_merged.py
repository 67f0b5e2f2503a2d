"""Merged logs of several real containers, marks in the containers table, and a 1 M-line log."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import docker
from textual.pilot import Pilot
from textual.widgets import Label

from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.engine.logs.stream import LogLine
from tui.views.app import ContainerLabApp
from tui.views.logs.screen import LogsScreen
from tui.views.presentation import project_key

IMAGE = "debian:bookworm-slim"


def ticker(word: str) -> list[str]:
    return ["sh", "-c", f"i=0; while true; do echo {word} $i; i=$((i+1)); sleep 0.1; done"]


def in_time_order(lines: Iterable[LogLine]) -> bool:
    """Whether the lines' engine timestamps never go back, read with datetime (to the
    microsecond), not with the view's own sort key."""
    times = [datetime.fromisoformat(line.timestamp[:26] + "+00:00") for line in lines]
    return bool(times) and times == sorted(times)


def _status(screen: LogsScreen) -> str:
    return str(screen.query_one("#log-status", Label).render())


async def _select(pilot: Pilot[Any], container_id: str) -> None:
    app = pilot.app
    assert isinstance(app, ContainerLabApp)
    table = app.containers.table
    await until(pilot, lambda: container_id in table.row_keys(), tries=400)
    table.focus()
    table.move_cursor(row=table.get_row_index(container_id))
    await pilot.pause()
    assert app.containers.selected_id == container_id


async def _merged_screen(pilot: Pilot[Any]) -> LogsScreen:
    await until(pilot, lambda: isinstance(pilot.app.screen, LogsScreen))
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, LogsScreen) and screen.merged
    return screen


async def test_a_projects_logs_merge_by_time_and_one_removed_ends_only_its_part(
    docker_client, test_labels
):
    project = f"logs15-{uuid.uuid4().hex[:8]}"
    labels = {**test_labels, "com.docker.compose.project": project}
    web = docker_client.containers.run(
        IMAGE, ticker("web"), labels=labels, detach=True, init=True, name=f"{project}-web"
    )
    db = docker_client.containers.run(
        IMAGE, ticker("db"), labels=labels, detach=True, init=True, name=f"{project}-db"
    )
    try:
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=(140, 36)) as pilot:
            await until(pilot, lambda: db.id in app.containers.rows.infos, tries=400)
            # L on the project's header row merges the project too
            table, header = app.containers.table, project_key(project)
            await until(pilot, lambda: header in table.row_keys(), tries=400)
            table.focus()
            table.move_cursor(row=table.get_row_index(header))
            await pilot.pause()
            assert app.containers.selected_project == project
            await pilot.press("L")
            screen = await _merged_screen(pilot)
            assert {s.info.id for s in screen.sources} == {web.id, db.id}
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, LogsScreen))

            await _select(pilot, web.id)
            await pilot.press("L")  # the selected container's compose project
            screen = await _merged_screen(pilot)
            assert {s.info.id for s in screen.sources} == {web.id, db.id}
            assert screen.sub_title == f"logs of project {project}"

            def texts_from(name: str) -> list[str]:
                return [line.text for line in screen.buffer.lines if line.source == name]

            await until(pilot, lambda: len(texts_from(web.name)) >= 5, tries=400)
            await until(pilot, lambda: len(texts_from(db.name)) >= 5, tries=400)
            # each line carries its container's name, the names line up, colours differ
            width = max(len(web.name), len(db.name))
            shown = screen.view.plain_lines()
            assert all(
                text.startswith((f"{web.name:<{width}} | web ", f"{db.name:<{width}} | db "))
                for text in shown
            ), shown[:4]
            colours = {
                line.source: str(screen.state.styled(line).spans[0].style)
                for line in screen.buffer.lines
            }
            assert len(set(colours.values())) == 2
            # ordered by the engine's timestamps, across the two containers
            assert in_time_order(screen.buffer.lines)
            assert texts_from(web.name)[:3] == ["web 0", "web 1", "web 2"]

            # db removed mid-stream: its part ends, web goes on, the view stays open
            db.remove(force=True)
            await until(pilot, lambda: f"{db.name}: stream ended" in _status(screen), tries=400)
            assert app.screen is screen and not screen.state.ended
            count = len(texts_from(web.name))
            await until(pilot, lambda: len(texts_from(web.name)) >= count + 5, tries=400)
            assert in_time_order(screen.buffer.lines)

    finally:
        for container in (web, db):
            with contextlib.suppress(docker.errors.NotFound):  # db was removed by the test
                container.remove(force=True)


async def test_marked_containers_merge_and_marks_show_in_the_table(docker_client, test_labels):
    one = docker_client.containers.run(
        IMAGE, ticker("one"), labels=test_labels, detach=True, init=True
    )
    two = docker_client.containers.run(
        IMAGE, ticker("two"), labels=test_labels, detach=True, init=True
    )
    try:
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=(140, 36)) as pilot:
            pane = app.containers
            await _select(pilot, one.id)
            await pilot.press("L")  # not in a project, nothing marked: a hint, no screen
            await pilot.pause()
            assert not isinstance(app.screen, LogsScreen)
            await pilot.press("space")
            await _select(pilot, two.id)
            await pilot.press("space")
            assert pane.rows.marked == {one.id, two.id}
            name_cell = str(pane.table.get_cell(two.id, "name"))
            assert name_cell == f"✓ {two.name}"
            await pilot.press("L")
            screen = await _merged_screen(pilot)
            assert {s.info.id for s in screen.sources} == {one.id, two.id}
            await until(
                pilot,
                lambda: {line.source for line in screen.buffer.lines} == {one.name, two.name},
                tries=400,
            )
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, LogsScreen))
            await pilot.press("space")  # unmark the one under the cursor
            assert pane.rows.marked == {one.id}
            assert str(pane.table.get_cell(two.id, "name")) == two.name
    finally:
        one.remove(force=True)
        two.remove(force=True)


async def test_a_million_line_log_opens_on_its_last_lines_and_reads_older_on_demand(
    docker_client, test_labels
):
    container = docker_client.containers.run(
        IMAGE, ["seq", "1", "1000000"], labels=test_labels, detach=True
    )
    try:
        assert container.wait(timeout=300)["StatusCode"] == 0
        app = ContainerLabApp(DockerBackend())
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: container.id in app.containers.rows.infos, tries=400)
            app.open_logs([container.id])
            await until(pilot, lambda: isinstance(app.screen, LogsScreen))
            await pilot.pause()  # let the screen compose
            screen = app.screen
            assert isinstance(screen, LogsScreen)
            # the last screen shows the last lines; only the window's tail was read
            await until(pilot, lambda: screen.view.visible_text()[-1:] == ["1000000"], tries=600)
            assert screen.view.visible_text()[-2:] == ["999999", "1000000"]
            assert len(screen.buffer) == 1000 and screen.buffer.lines[0].text == "999001"

            # at the top, older lines are read (a page), and the rows on screen stay put
            await pilot.press("g")
            await until(pilot, lambda: len(screen.buffer) == 2000, tries=600)
            assert screen.buffer.lines[0].text == "998001"
            assert screen.buffer.lines[999].text == "999000"
            await pilot.pause()
            assert screen.view.visible_text()[0] == "999001"
    finally:
        container.remove(force=True)
