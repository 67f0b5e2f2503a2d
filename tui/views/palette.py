"""The command palette's dashboard commands (ctrl+p): every action, each run through the app's
read-only gate (tui/views/read_only.py), which also decides what read-only mode lists."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from textual.app import SystemCommand
from textual.screen import Screen

from tui.engine.actions import ContainerAction
from tui.engine.backend import EngineOffer
from tui.views.containers.pane import ContainersPane
from tui.views.images_pane import ImagesPane
from tui.views.read_only import ActionHost, GatedAction
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
TABS = ("containers", "images", "training", "baseline", "volumes", "networks")


class PaletteHost(ActionHost, Protocol):
    """What the palette asks of the app (ContainerLabApp)."""

    engine_offer: EngineOffer | None

    @property
    def several_engines(self) -> bool: ...

    @property
    def containers(self) -> ContainersPane: ...

    @property
    def images(self) -> ImagesPane: ...

    @property
    def main_screen(self) -> Screen[None]: ...

    def add_engine(self, name: str) -> None: ...


def _bind(func: Callable[[str], None], arg: str) -> Callable[[], None]:
    return lambda: func(arg)


def dashboard_commands(app: PaletteHost) -> Iterable[SystemCommand]:
    """The dashboard's commands, each an action run through the app's gate (read-only mode
    lists only those it lets through: tui/views/read_only.py)."""
    pane = app.containers
    on_pane = [
        *(
            (title, f"{title} (the selected one)", f"request({action.value!r})")
            for action, title in CONTAINER_COMMANDS
        ),
        ("Inspect container", "Its full docker inspect", "inspect"),
        ("Filter containers", "Filter as you type", "filter"),
        ("All / running containers", "Toggle", "toggle_all"),
        ("Sort containers by next column", "Cycle", "sort_next"),
        ("Reverse container sort", "Toggle", "sort_reverse"),
    ]
    for title, help_text, action in on_pane:
        yield SystemCommand(title, help_text, GatedAction(app, action, pane))
    if app.several_engines:
        yield SystemCommand(
            "Next engine",
            "All engines' containers, then each one's",
            GatedAction(app, "next_engine"),
        )
    for name, where in app.engine_offer.available() if app.engine_offer else ():
        yield SystemCommand(
            f"Watch {name}",
            f"Add this docker context's engine: {where}",
            _bind(app.add_engine, name),
        )
    yield SystemCommand("Reload lists", "Containers and images", GatedAction(app, "reload"))
    yield SystemCommand(
        "Remove image", "The selected image", GatedAction(app, "request('remove')", app.images)
    )
    yield SystemCommand(
        "Prune…",
        "Preview what each prune frees, then prune the ticked ones",
        GatedAction(app, "prune"),
    )
    training = app.main_screen.query_one(TrainingPane)
    yield SystemCommand(
        "Train a model",
        "Build, train, sign and verify (Training tab)",
        GatedAction(app, "start", training),
    )
    yield SystemCommand(
        "Cancel training", "Stop the training container", GatedAction(app, "cancel", training)
    )
    yield SystemCommand(
        "Start demo containers",
        "A few labelled sample containers to look at (./lab demo up)",
        GatedAction(app, "demo_up"),
    )
    yield SystemCommand(
        "Remove demo containers", "Only those (./lab demo down)", GatedAction(app, "demo_down")
    )
    for tab in TABS:
        yield SystemCommand(
            f"Go to {tab}", f"Show the {tab} tab", GatedAction(app, f"tab({tab!r})")
        )
