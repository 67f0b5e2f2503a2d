"""The command palette's dashboard commands (ctrl+p): every action, each a GatedAction that
runs through App.run_action, so read-only mode's gate (tui/views/read_only.py) decides which
are listed and run; a command that is not a GatedAction is not listed in read-only mode."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import ClassVar, Protocol

from textual import events
from textual.app import SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widgets import Input

from tui.engine.actions import ContainerAction
from tui.session import LabSession
from tui.views.baseline.pane import BaselinePane
from tui.views.containers.pane import ContainersPane
from tui.views.demo import run_demo
from tui.views.engines import EngineFeeds
from tui.views.images_pane import ImagesPane
from tui.views.read_only import ActionHost, GatedAction
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


class LabPalette(CommandPalette):
    """Textual's command palette, safe to close at any moment.

    Two races of Textual's own palette ended a served dashboard (the read-only sweep, in CI):
    - a key typed just before `escape` can reach the palette's input after the palette was
      dismissed (the input handles its key from its own queue): the search its change starts
      lands on a list already removed (NoMatches);
    - `escape` right after `ctrl+p` can dismiss the palette before its mount handler runs,
      which then looks for the screen under it in a stack that no longer holds it (IndexError).
    Here a dismissed palette handles neither (its handlers run before Textual's, and
    prevent_default keeps Textual's from running). And a key typed right after `escape` went
    into the palette's input, lost: the escape binding ran only once the key had bubbled up
    from the input, after the next key had reached the input. Here the app runs it at once (a
    priority binding).

    Two more, seen when keys come in bursts (a served session's packets, a fast typist): an
    `escape` or `enter` its input handles after the palette was dismissed dismissed it again,
    and Textual's dismiss pops whatever screen is on top: the dashboard's own, and the app
    ended (ScreenStackError). A palette not on top dismisses nothing, and an `enter` it gets
    once dismissed runs no command.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "escape", "Exit the command palette", priority=True)
    ]

    def on_mount(self, event: events.Mount) -> None:
        if self not in self.app.screen_stack:  # dismissed already: nothing to set up
            event.prevent_default()

    def on_input_changed(self, event: Input.Changed) -> None:
        if not self.is_active:  # dismissed: what was typed into it no longer matters
            event.prevent_default()
            event.stop()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not self.is_active:  # dismissed: its command (if any) was run already
            event.prevent_default()
            event.stop()

    def dismiss(self, result: None = None) -> AwaitComplete:
        """As Screen's, but only while the palette is the screen on top (see the class)."""
        if not self.is_active:
            return AwaitComplete.nothing()
        return super().dismiss(result)


class PaletteHost(ActionHost, Protocol):
    """What the palette asks of the app."""

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

    async def action_tab(self, tab: str) -> None: ...


def _bind(func: Callable[[str], None], arg: str) -> Callable[[], None]:
    return lambda: func(arg)


def dashboard_commands(app: PaletteHost) -> Iterable[SystemCommand]:
    """The dashboard's commands (App.get_system_commands lists those the gate lets through)."""
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
    if app.engines.several:
        yield SystemCommand(
            "Next engine",
            "All engines' containers, then each one's",
            GatedAction(app, "next_engine"),
        )
    for name, where in app.engines.offered():
        yield SystemCommand(
            f"Watch {name}",
            f"Add this docker context's engine: {where}",
            _bind(app.add_engine, name),
        )
    yield SystemCommand("Reload lists", "Containers and images", GatedAction(app, "reload"))
    yield SystemCommand(
        "Remove image", "The selected image", GatedAction(app, "remove", app.images)
    )
    yield SystemCommand(
        "Prune…",
        "Preview what each prune frees, then prune the ticked ones",
        GatedAction(app, "prune"),
    )
    for training in app.main_screen.query(TrainingPane):  # built: see ContainerLabApp.build_tabs
        yield SystemCommand(
            "Train a model",
            "Build, train, sign and verify (Training tab)",
            GatedAction(app, "start", training),
        )
        yield SystemCommand(
            "Cancel training", "Stop the training container", GatedAction(app, "cancel", training)
        )
    if not app.read_only:  # not actions: the gate cannot declare them (and the lab refuses)
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
            GatedAction(app, "run_lesson", lesson),
        )
        yield SystemCommand(
            "Stop the lesson",
            "Stop its container, sandbox and VM",
            GatedAction(app, "stop_lesson", lesson),
        )
    for swarm in app.main_screen.query(SwarmPane):
        yield from swarm_commands(app, swarm)
    yield SystemCommand(
        "Present this view (V)",
        "Dashboards of this lab that follow see your tab and row",
        GatedAction(app, "present"),
    )
    yield SystemCommand(
        "Follow the presenter (F)",
        "Show the tab and row the lab's presenter shows, as it moves",
        GatedAction(app, "follow"),
    )
    for tab in TABS:
        yield SystemCommand(
            f"Go to {tab}", f"Show the {tab} tab", GatedAction(app, f"tab({tab!r})")
        )
