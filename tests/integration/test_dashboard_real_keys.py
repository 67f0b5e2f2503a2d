"""The containers table's keys on the real engine: kill, its "no", filter, sort, all/running,
and the cursor that stays on its container while the list changes under it.

tests/tui/test_dashboard_pilot.py checks the same keys on fixed data; here the rows, states and
stats come from labelled throwaway containers of this session (the shared engine has others:
the tests filter on a name prefix of their own where they need an exact list).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import docker
import pytest
from docker.models.containers import Container
from textual.pilot import Pilot

from tests.conftest import TEST_IMAGE
from tests.tui.dashboard_helpers import until
from tui.engine.backend import DockerBackend
from tui.views.app import ContainerLabApp
from tui.views.containers.pane import ContainersPane
from tui.views.widgets.confirm import ConfirmScreen

pytestmark = pytest.mark.docker

IDLE = ["sleep", "infinity"]
BUSY = ["sh", "-c", "while :; do :; done"]  # capped at a fifth of a core below


Make = Callable[..., Container]


@pytest.fixture()
def prefix() -> str:
    """A name prefix no other container on the shared engine has."""
    return f"cl-keys-{uuid.uuid4().hex[:8]}"


@pytest.fixture()
def make(
    docker_client: docker.DockerClient, test_labels: dict[str, str], prefix: str
) -> Iterator[Make]:
    """Run a labelled container named `<prefix>-<suffix>`; each is removed after the test."""
    made: list[Container] = []

    def run(suffix: str, command: list[str] = IDLE, **options: Any) -> Container:
        container = docker_client.containers.run(
            TEST_IMAGE,
            command,
            name=f"{prefix}-{suffix}",
            labels=test_labels,
            detach=True,
            network_mode="none",
            **options,
        )
        made.append(container)
        return container

    yield run
    for container in made:
        with contextlib.suppress(docker.errors.NotFound):  # the test removed it already
            container.remove(force=True)


def exited(container: Container) -> Container:
    """`container` once it has ended (it ran a command that ends)."""
    container.wait(timeout=60)
    container.reload()
    return container


def shown_in_order(pane: ContainersPane, ids: set[str]) -> list[str]:
    """The ids among `ids` in the order the table shows them."""
    return [row.key.value for row in pane.table.ordered_rows if row.key.value in ids]


async def ready(pilot: Pilot, ids: set[str]) -> ContainersPane:
    """Wait until the table shows every one of `ids`."""
    app = pilot.app
    assert isinstance(app, ContainerLabApp)
    pane = app.containers
    await until(pilot, lambda: ids <= pane.table.row_keys(), seconds=60, what="the rows")
    return pane


async def filter_on(pilot: Pilot, pane: ContainersPane, text: str) -> None:
    """Type `text` into the filter box and go back to the table (Enter)."""
    await pilot.press("slash")
    box = pane.query_one("#container-filter")
    await until(pilot, lambda: box.has_focus, what="the filter box")
    await pilot.press(*text, "enter")
    await until(
        pilot, lambda: pane.table.has_focus and pane.rows.filter_text == text, what="filter"
    )


async def put_cursor_on(pilot: Pilot, pane: ContainersPane, container_id: str) -> None:
    """Move the cursor to a container's row."""
    pane.table.move_cursor(row=pane.table.get_row_index(container_id))
    await until(pilot, lambda: pane.selected_id == container_id, what="the cursor on the row")


async def answer(pilot: Pilot, key: str, yes: bool) -> str:
    """Press a key that asks first, wait for the question, answer it; the question's text."""
    app = pilot.app
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
    question = app.screen
    assert isinstance(question, ConfirmScreen)
    await pilot.press("y" if yes else "n")
    await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="the answer")
    return question.question


def state(container: Container) -> tuple[str, int]:
    """The engine's own word on a container: its status and exit code."""
    container.reload()
    return container.attrs["State"]["Status"], container.attrs["State"]["ExitCode"]


async def test_kill_asks_then_yes_kills_the_container(make: Make) -> None:
    target = make("target")
    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=(160, 40)) as pilot:
        pane = await ready(pilot, {target.id})
        await put_cursor_on(pilot, pane, target.id)
        question = await answer(pilot, "K", yes=True)
        assert question == f"Kill container {target.name}?"
        await until(
            pilot, lambda: pane.rows.infos[target.id].state == "exited", seconds=60, what="exited"
        )
        assert state(target) == ("exited", 137), "SIGKILL ends it with 128 + 9"
        assert pane.selected_id == target.id


async def test_no_to_kill_leaves_the_container_running(make: Make) -> None:
    """After the "no", a kill of another container is the barrier: it was asked for later."""
    spared, barrier = make("spared"), make("barrier")
    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=(160, 40)) as pilot:
        pane = await ready(pilot, {spared.id, barrier.id})
        await put_cursor_on(pilot, pane, spared.id)
        await answer(pilot, "K", yes=False)
        await pilot.pause()
        assert pane.selected_id == spared.id
        await put_cursor_on(pilot, pane, barrier.id)
        await answer(pilot, "K", yes=True)
        await until(
            pilot, lambda: pane.rows.infos[barrier.id].state == "exited", seconds=60, what="barrier"
        )
        # any kill the "no" had sent was sent before the barrier's; let every action end
        await until(
            pilot,
            lambda: not any(feed.busy for feed in app.engines.feeds.values()),
            what="the actions to end",
        )
        assert state(barrier) == ("exited", 137)
        assert state(spared) == ("running", 0), "the 'no' killed it"
        assert pane.rows.infos[spared.id].state == "running"


async def test_filter_shows_only_the_matching_rows(make: Make, prefix: str) -> None:
    alpha, beta, gamma = make("alpha"), make("beta"), make("gamma")
    mine = {alpha.id, beta.id, gamma.id}
    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=(160, 40)) as pilot:
        pane = await ready(pilot, mine)
        await filter_on(pilot, pane, f"{prefix}-be")
        await until(pilot, lambda: pane.table.row_keys() == {beta.id}, what="only beta")
        await pilot.press("escape")  # clears the filter: every row again
        await until(pilot, lambda: mine <= pane.table.row_keys(), what="all rows back")
        await filter_on(pilot, pane, prefix.upper())  # case does not matter
        await until(pilot, lambda: pane.table.row_keys() == mine, what="exactly the three")


async def test_o_and_shift_o_order_the_rows_by_the_column(make: Make, prefix: str) -> None:
    """Started in the order done, c, a, b: by state, by start time, then by name, both ways."""
    done = exited(make("d", ["true"]))
    c, a, b = make("c"), make("a"), make("b")
    ids = {x.id: x for x in (done, c, a, b)}
    for container in (c, a, b):
        container.reload()
    by_start = sorted(ids, key=lambda cid: ids[cid].attrs["State"]["StartedAt"])
    assert by_start == [done.id, c.id, a.id, b.id], "the engine's start times"
    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=(160, 40)) as pilot:
        pane = await ready(pilot, set(ids))
        await filter_on(pilot, pane, prefix)
        assert pane.rows.sort_column == "state" and not pane.rows.sort_reverse
        # by state (running first), then by name
        await until(
            pilot,
            lambda: shown_in_order(pane, set(ids)) == [a.id, b.id, c.id, done.id],
            what="the state order",
        )

        while pane.rows.sort_column != "status":  # o: the next column shown (CPU, memory, ...)
            await pilot.press("o")
        assert not pane.rows.sort_reverse  # ordered by when each started
        await until(
            pilot, lambda: shown_in_order(pane, set(ids)) == by_start, what="the start order"
        )
        await pilot.press("O")
        await until(
            pilot,
            lambda: shown_in_order(pane, set(ids)) == by_start[::-1],
            what="the start order reversed",
        )

        while pane.rows.sort_column != "name":
            await pilot.press("o")
        assert pane.rows.sort_reverse, "o keeps the direction O chose"
        await until(
            pilot,
            lambda: shown_in_order(pane, set(ids)) == [done.id, c.id, b.id, a.id],
            what="names descending",
        )
        await pilot.press("O")
        await until(
            pilot,
            lambda: shown_in_order(pane, set(ids)) == [a.id, b.id, c.id, done.id],
            what="names ascending",
        )


async def test_a_toggles_exited_containers_out_and_back(make: Make) -> None:
    running, done = make("running"), exited(make("done", ["true"]))
    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=(160, 40)) as pilot:
        pane = await ready(pilot, {running.id, done.id})
        assert pane.rows.show_all
        await pilot.press("a")
        await until(pilot, lambda: done.id not in pane.table.row_keys(), what="exited gone")
        shown = pane.table.row_keys()
        assert running.id in shown
        # nobody's stopped container is shown: running (or paused, restarting) ones only
        infos = [
            pane.rows.infos[key] for key in shown if key in pane.rows.infos
        ]  # not project headers
        stopped = {info.name: info.state for info in infos if not info.is_running}
        assert not stopped, stopped
        await pilot.press("a")
        await until(pilot, lambda: done.id in pane.table.row_keys(), what="exited back")
        assert running.id in pane.table.row_keys()


async def test_the_cursor_stays_on_its_container_while_the_list_changes(
    make: Make, prefix: str
) -> None:
    """A row appears above it, one above it goes, and a stats re-sort moves it: the cursor's
    row key stays the same each time, and its row index really changes."""
    a, b, c = make("b1"), make("b2"), make("b3")
    mine = {a.id, b.id, c.id}
    app = ContainerLabApp(DockerBackend())
    async with app.run_test(size=(160, 40)) as pilot:
        pane = await ready(pilot, mine)
        await filter_on(pilot, pane, prefix)  # only this test's rows: exact indexes
        await until(pilot, lambda: pane.table.row_keys() == mine, what="the three rows")
        await put_cursor_on(pilot, pane, b.id)
        table = pane.table
        assert table.cursor_row == 1

        above = make("a0")  # sorts before b1 by name among running ones
        await until(pilot, lambda: above.id in table.row_keys(), what="the new row")
        assert table.get_row_index(b.id) == 2, shown_in_order(pane, mine | {above.id})
        assert pane.selected_id == b.id and table.cursor_row == 2

        above.remove(force=True)
        a.remove(force=True)
        await until(
            pilot,
            lambda: table.row_keys() == {b.id, c.id},
            seconds=60,
            what="the rows above to go",
        )
        assert pane.selected_id == b.id and table.cursor_row == 0

        # By CPU, descending: a busy container with no sample yet ranks last; once its figures
        # come it goes to the top, above the cursor's row.
        while pane.rows.sort_column != "cpu":
            await pilot.press("o")
        await pilot.press("O")
        assert pane.rows.sort_reverse
        await until(
            pilot, lambda: {b.id, c.id} <= set(pane.rows.samples), seconds=60, what="idle stats"
        )
        busy = make("busy", BUSY, nano_cpus=200_000_000)
        await until(pilot, lambda: busy.id in table.row_keys(), what="the busy row")
        await until(
            pilot,
            lambda: busy.id in pane.rows.samples and pane.rows.samples[busy.id].cpu_percent > 1,
            seconds=60,
            what="the busy container's CPU",
        )
        await until(pilot, lambda: table.get_row_index(busy.id) == 0, what="the re-sort")
        assert pane.selected_id == b.id
        assert table.cursor_row == table.get_row_index(b.id) >= 1
