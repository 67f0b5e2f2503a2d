"""Snapshots of every screen and dialog at the two sizes the dashboard is shown at: a laptop's
100x30 and a projector's 200x50 (the VM baseline tab's own are in test_baseline_pane_snapshot.py).

The data is fixed on purpose (FixedBackend, a frozen clock), and nothing moves when the shot is
taken: no blinking cursor, no toast. A change in what people see must show up here as a
reviewed change. Update every snapshot with one command (README, Tests):

    ./lab test tests/tui --snapshot-update
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from tests.conftest import SESSION_LABELS
from tests.tui.dashboard_helpers import columns_fit, settled, until
from tests.tui.fixed_backend import FixedBackend, fixed_clock
from tui.paths import LabPaths
from tui.session import DockerLab
from tui.views.app import ContainerLabApp
from tui.views.containers.detail import DetailScreen
from tui.views.inspect.screen import InspectScreen
from tui.views.logs.screen import LogsScreen
from tui.views.prune_screen import PruneScreen
from tui.views.widgets.confirm import ConfirmScreen

SIZES = [pytest.param((100, 30), id="100x30"), pytest.param((200, 50), id="200x50")]
Scene = Callable[[Pilot], Awaitable[None]]


async def steady(pilot: Pilot) -> None:
    """Nothing that moves: no cursor blinks, no toast is on screen."""
    app = pilot.app
    for box in app.screen.query(Input):
        box.cursor_blink = False
    app.clear_notifications()
    await pilot.pause()


async def containers(pilot: Pilot) -> None:
    await settled(pilot, 4)


async def images(pilot: Pilot) -> None:
    await settled(pilot, 4)
    await pilot.press("2")
    pane = pilot.app.images  # type: ignore[attr-defined]

    def layers_shown() -> bool:  # the layer table is built when the tab shows (on_show)
        found = pane.query("#history-table")
        table = found.first(DataTable) if found else None
        return table is not None and table.row_count == 4 and columns_fit(table)

    await until(pilot, layers_shown, what="the layers shown")


async def detail(pilot: Pilot) -> None:
    await settled(pilot, 4)
    await pilot.press("enter")
    screen = pilot.app.screen
    await until(pilot, lambda: isinstance(screen, DetailScreen) and screen.processes is not None)


async def logs(pilot: Pilot) -> None:
    await settled(pilot, 4)
    await pilot.press("l")
    screen = pilot.app.screen
    assert isinstance(screen, LogsScreen)
    await until(pilot, lambda: len(screen.buffer) == 30)
    await until(pilot, lambda: "ended" in str(screen.query_one("#log-status").render()))


async def inspect(pilot: Pilot) -> None:
    await settled(pilot, 4)
    await pilot.press("i")
    screen = pilot.app.screen
    await until(pilot, lambda: isinstance(screen, InspectScreen) and bool(screen.nodes))


async def prune(pilot: Pilot) -> None:
    await settled(pilot, 4)
    await pilot.press("P")
    screen = pilot.app.screen
    await until(pilot, lambda: isinstance(screen, PruneScreen))
    await until(pilot, lambda: screen.query_one("KeyedTable").row_count == 1)  # type: ignore[attr-defined]


async def volumes(pilot: Pilot) -> None:
    await settled(pilot, 4)
    await pilot.press("5")
    table = pilot.app.query_one("#volumes-pane").query_one("KeyedTable")
    await until(pilot, lambda: table.row_count == 2)  # type: ignore[attr-defined]


async def networks(pilot: Pilot) -> None:
    await settled(pilot, 4)
    await pilot.press("6")
    table = pilot.app.query_one("#networks-pane").query_one("KeyedTable")
    await until(pilot, lambda: table.row_count == 2)  # type: ignore[attr-defined]


async def training(pilot: Pilot) -> None:
    await settled(pilot, 4)
    await pilot.press("3")


async def stop_question(pilot: Pilot) -> None:
    await settled(pilot, 4)
    await pilot.press("t")
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))


async def key_question(pilot: Pilot) -> None:
    await settled(pilot, 4)
    await pilot.press("3", "s")  # the lab has no signing key yet: it offers to make one
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))


async def no_engine(pilot: Pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: app.query_one("#banner").display)
    app.refresh_containers()  # type: ignore[attr-defined]  # as the 1 s timer would


SCENES: dict[str, Scene] = {
    "containers": containers,
    "images_with_layer_history": images,
    "container_detail": detail,
    "logs": logs,
    "inspect": inspect,
    "prune_preview": prune,
    "volumes": volumes,
    "networks": networks,
    "training": training,
    "confirm_stop": stop_question,
    "confirm_training_key": key_question,
    "no_engine_banner": no_engine,
}


def dashboard(scene: str, folder: Path) -> ContainerLabApp:
    """The dashboard on fixed data; the key question needs a lab (one with no key and no engine
    of its own, in a folder of the test's)."""
    backend = FixedBackend(up=scene != "no_engine_banner")
    lab = None
    if scene == "confirm_training_key":
        lab = DockerLab(f"unix://{folder}/no-engine.sock", LabPaths(folder), labels=SESSION_LABELS)
    return ContainerLabApp(backend, clock=fixed_clock, lab=lab)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scene", list(SCENES))
def test_snapshot(snap_compare, tmp_path: Path, scene: str, size: tuple[int, int]) -> None:
    async def ready(pilot: Pilot) -> None:
        await SCENES[scene](pilot)
        await steady(pilot)

    assert snap_compare(dashboard(scene, tmp_path), terminal_size=size, run_before=ready)
