"""The command palette's dashboard commands (ctrl+p): every action, and in read-only mode
only those that change nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Protocol

from textual.app import SystemCommand
from textual.screen import Screen

from tui.engine.actions import ContainerAction
from tui.session import LabSession
from tui.views.baseline.pane import BaselinePane
from tui.views.containers.pane import ContainersPane
from tui.views.demo import run_demo
from tui.views.engines import EngineFeeds
from tui.views.images_pane import ImagesPane
from tui.views.swarm.palette import swarm_commands
from tui.views.swarm.pane import SwarmPane
from tui.views.training_pane import TrainingPane

CONTAINER_COMMANDS = [
    (ContainerAction.DETAIL, "Container detail"),
    (ContainerAction.LOGS, "Container logs"),
    (ContainerAction.SHELL, "Open a shell in the container"),
    (ContainerAction.START, "Start container"),
    (ContainerAction.STOP, "Stop container"),
    (ContainerAction.RESTART, "Restart container"),
    (ContainerAction.KILL, "Kill container"),
    (ContainerAction.PAUSE, "Pause or unpause container"),
    (ContainerAction.REMOVE, "Remove container"),
]
TABS = ("containers", "images", "training", "baseline", "volumes", "networks", "swarm")


class PaletteHost(Protocol):
    """What the palette asks of the app."""

    read_only: bool
    engines: EngineFeeds
    lab: LabSession | None

    @property
    def containers(self) -> ContainersPane: ...

    @property
    def images(self) -> ImagesPane: ...

    @property
    def main_screen(self) -> Screen[None]: ...

    def action_reload(self) -> None: ...

    def action_prune(self) -> None: ...

    def action_next_engine(self) -> None: ...

    def add_engine(self, name: str) -> None: ...

    def action_tab(self, tab: str) -> None: ...


def _bind(func: Callable[[str], None], arg: str) -> Callable[[], None]:
    return lambda: func(arg)


def dashboard_commands(app: PaletteHost) -> Iterable[SystemCommand]:
    """The dashboard's commands; read-only mode lists none that would be refused."""
    looks = not app.read_only
    pane = app.containers
    for action, title in CONTAINER_COMMANDS:
        if looks or not action.changes:
            callback = _bind(pane.action_request, action.value)
            yield SystemCommand(title, f"{title} (the selected one)", callback)
    yield SystemCommand("Inspect container", "Its full docker inspect", pane.action_inspect)
    yield SystemCommand("Filter containers", "Filter as you type", pane.action_filter)
    yield SystemCommand("All / running containers", "Toggle", pane.action_toggle_all)
    yield SystemCommand("Sort containers by next column", "Cycle", pane.action_sort_next)
    yield SystemCommand("Reverse container sort", "Toggle", pane.action_sort_reverse)
    if app.engines.several:
        yield SystemCommand(
            "Next engine", "All engines' containers, then each one's", app.action_next_engine
        )
    for name, where in app.engines.offered():
        yield SystemCommand(
            f"Watch {name}",
            f"Add this docker context's engine: {where}",
            _bind(app.add_engine, name),
        )
    yield SystemCommand("Reload lists", "Containers and images", app.action_reload)
    if looks:
        yield SystemCommand("Remove image", "The selected image", app.images.action_remove)
        yield SystemCommand(
            "Prune…", "Preview what each prune frees, then prune the ticked ones", app.action_prune
        )
        training = app.main_screen.query_one(TrainingPane)
        yield SystemCommand(
            "Train a model", "Build, train, sign and verify (Training tab)", training.action_start
        )
        yield SystemCommand(
            "Cancel training", "Stop the training container", training.action_cancel
        )
        yield SystemCommand(
            "Start demo containers",
            "A few labelled sample containers to look at (./lab demo up)",
            _bind(partial(run_demo, pane, app.lab), "up"),
        )
        yield SystemCommand(
            "Remove demo containers",
            "Only those (./lab demo down)",
            _bind(partial(run_demo, pane, app.lab), "down"),
        )
    for lesson in app.main_screen.query(BaselinePane):  # not when its profiles are unreadable
        yield SystemCommand(
            "Run the lesson: container vs gVisor vs VM",
            "One image as a container, a gVisor sandbox and a QEMU VM (VM baseline tab)",
            lesson.action_run_lesson,
        )
        yield SystemCommand(
            "Stop the lesson", "Stop its container, sandbox and VM", lesson.action_stop_lesson
        )
    for swarm in app.main_screen.query(SwarmPane):
        yield from swarm_commands(swarm, app.read_only)
    for tab in TABS:
        yield SystemCommand(f"Go to {tab}", f"Show the {tab} tab", _bind(app.action_tab, tab))
