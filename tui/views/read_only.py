"""Read-only mode (`--read-only`): one gate in the views, deny by default.

Textual runs every key binding, footer click and markup link through `App.run_action`, where
the app asks `permits()` (ContainerLabApp.run_action): an action runs in read-only mode only
if it is declared safe in SAFE below, by the class that defines it, so an action added later
is refused until someone declares it. The command palette's dashboard commands are
`GatedAction`s that go through `run_action` too, and `palette_commands` lists only those the
gate lets through (and, of Textual's own, only the few named in SAFE_SYSTEM_COMMANDS). The panes'
and screens' `check_action` ask `hidden()`, so refused keys leave the footer and the key map.

Below the views the app is handed its backends, lab and log files wrapped by `guard_parts`
(tui/engine/read_only.py): they refuse every change that a path around this gate (a button, a
message, a direct call) might still ask for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from textual import actions
from textual.app import App, SystemCommand
from textual.dom import DOMNode

from tui.engine.backend import BACKEND_READS, DashboardBackend
from tui.engine.compose import ProjectAction
from tui.engine.logs.save import LOG_FILES_READS, LogFiles
from tui.engine.read_only import read_only
from tui.session import LAB_READS, LabSession

# Every compose project action changes something (views/containers/projects.py asks first).
PROJECT_CHANGES = frozenset(ProjectAction)
# The Swarm tab's actions that change something (tui/views/swarm/pane.py): service and node
# actions, the orchestration lesson (it stops a node's engine) and stopping it. Not declared
# safe below, so refused; named here for their notices and the tests.
SWARM_CHANGES = frozenset(
    {"scale", "restart", "rollback", "remove", "drain", "pause_node", "activate", "lesson", "stop"}
)

# Actions a read-only dashboard runs: `Class.action` (any parameters) or `Class.action(params)`
# (exactly those), named by the class that defines the action_ method. Moving, looking,
# searching, filtering and copying to the viewer's own clipboard; nothing else.
SAFE = frozenset(
    {
        # Textual's own: quit one's own session, focus, the palette, help, scrolling, input boxes
        *(f"App.{a}" for a in ("quit", "help_quit", "focus_next", "focus_previous")),
        *(f"App.{a}" for a in ("pop_screen", "command_palette", "show_help_panel")),
        "App.hide_help_panel",
        *(f"Screen.{a}" for a in ("copy_text", "maximize", "minimize")),
        *(f"Widget.{a}" for a in ("scroll_up", "scroll_down", "scroll_left", "scroll_right")),
        *(f"Widget.{a}" for a in ("scroll_home", "scroll_end", "page_up", "page_down")),
        *(f"Widget.{a}" for a in ("page_left", "page_right")),
        *(f"DataTable.{a}" for a in ("cursor_up", "cursor_down", "cursor_left", "cursor_right")),
        *(f"DataTable.{a}" for a in ("page_up", "page_down", "page_left", "page_right")),
        *(f"DataTable.{a}" for a in ("scroll_top", "scroll_bottom", "scroll_home", "scroll_end")),
        "DataTable.select_cursor",
        *(f"Input.{a}" for a in ("cursor_left", "cursor_right", "cursor_left_word", "home")),
        *(f"Input.{a}" for a in ("cursor_right_word", "end", "delete_left", "delete_right")),
        *(f"Input.{a}" for a in ("delete_left_word", "delete_right_word", "delete_left_all")),
        *(f"Input.{a}" for a in ("delete_right_all", "copy", "cut", "paste", "select_all")),
        "Input.submit",
        *(f"OptionList.{a}" for a in ("cursor_up", "cursor_down", "first", "last", "select")),
        *(f"OptionList.{a}" for a in ("page_up", "page_down")),
        "Select.show_overlay",
        "SelectOverlay.dismiss",
        "Tabs.next_tab",
        "Tabs.previous_tab",
        *(f"Tree.{a}" for a in ("cursor_up", "cursor_down", "cursor_parent", "select_cursor")),
        *(f"Tree.{a}" for a in ("cursor_next_sibling", "cursor_previous_sibling", "toggle_node")),
        *(f"Tree.{a}" for a in ("cursor_parent_next_sibling", "page_up", "page_down")),
        *(f"Tree.{a}" for a in ("scroll_home", "scroll_end", "toggle_expand_all")),
        *(f"CommandPalette.{a}" for a in ("command_list", "cursor_down", "escape")),
        "ConfirmScreen.answer(False)",
        # the dashboard
        *(f"ContainerLabApp.{a}" for a in ("tab", "toggle_help", "next_engine", "reload")),
        "ContainerLabApp.follow",  # moves this dashboard only; presenting is refused
        "ContainerLabApp.command_palette",  # Textual's palette, the unbuilt tabs built first
        *(f"ContainersPane.{a}" for a in ("filter", "inspect", "merged_logs", "toggle_all")),
        *(f"ContainersPane.{a}" for a in ("toggle_mark", "sort_next", "sort_reverse")),
        "ContainersPane.request('detail')",
        "ContainersPane.request('logs')",
        "ContainersPane.fold",
        "ImagesPane.inspect",
        "ImagesPane.sort_next",
        "ImagesPane.sbom",  # reads the image's layers; saving is SbomScreen.save, refused
        *(f"ResourcePane.{a}" for a in ("inspect", "reload", "sort_next")),
        "DetailScreen.inspect",
        "DetailScreen.logs",
        *(f"InspectScreen.{a}" for a in ("close", "next_match", "search")),
        *(f"InspectTree.{a}" for a in ("fold", "fold_all", "unfold_all")),
        "LogView.line",
        "LogView.top",
        *(f"LogsScreen.{a}" for a in ("close", "end", "next_match", "pause", "search")),
        *(f"LogsScreen.{a}" for a in ("timestamps", "wrap")),
        *(f"LogsScreen.{a}" for a in ("copy", "filter", "older", "select", "window")),
        *(f"LogsScreen.{a}" for a in ("toggle_case", "toggle_regex")),
        "BaselinePane.toggle_citations",
        *(f"TrainingPane.{a}" for a in ("mark_run", "compare_runs", "runs_cursor")),
        "RunCompareScreen.toggle_filter",
        "SwarmPane.logs",
    }
)
# Safe only where the session delivers files to the viewer's browser (nothing is written here).
SAFE_WHEN_DELIVERED = frozenset({"LogsScreen.save(False)"})
# What read-only mode refuses, in the words of its notice (the rest of the refusals, anything
# declared nowhere, say the action's name).
REFUSED: Mapping[str, str] = {
    **{f"ContainersPane.request({a!r})": a for a in ("start", "stop", "restart", "kill")},
    **{f"ContainersPane.request({a!r})": a for a in ("pause", "unpause", "remove", "shell")},
    "ContainersPane.recreate": "project up",
    "ImagesPane.remove": "image removal",
    "ResourcePane.remove": "removal",
    "DetailScreen.toggle_env": "showing environment values",
    "InspectScreen.toggle_reveal": "showing secret values",
    "LogsScreen.save(True)": "saving the whole log",
    "LogsScreen.save(False)": "saving logs on this machine",
    "TrainingPane.start": "training",
    "TrainingPane.cancel": "cancelling training",
    "SbomScreen.save": "saving an SBOM",
    "BaselinePane.run_lesson": "the lesson",
    "BaselinePane.stop_lesson": "stopping the lesson",
    "ContainerLabApp.prune": "pruning",
    "ContainerLabApp.present": "presenting",
    # the Swarm tab's, in the words its own checks use
    **{f"SwarmPane.{a}": w for a, w in (("scale", "scaling"), ("restart", "rolling restart"))},
    **{f"SwarmPane.{a}": w for a, w in (("rollback", "rollback"), ("drain", "draining"))},
    "SwarmPane.remove": "service removal",
    "SwarmPane.pause_node": "pausing a node",
    "SwarmPane.activate": "activating a node",
    "SwarmPane.lesson": "the orchestration lesson",
    "SwarmPane.stop": "stopping the lesson",
    "PruneScreen.prune": "pruning",
    "PruneScreen.tick": "pruning",
    "PruneScreen.reload": "pruning",
    "ConfirmScreen.answer(True)": "answering yes",
    "Button.press": "pressing buttons",
}
# Textual's own palette commands a read-only session keeps (a screenshot only when delivered).
SAFE_SYSTEM_COMMANDS = frozenset({"Theme", "Quit", "Keys", "Maximize", "Minimize"})


class ActionHost(Protocol):
    """The app as the gate sees it (ContainerLabApp)."""

    read_only: bool

    @property
    def is_web(self) -> bool: ...

    async def run_action(
        self,
        action: str | tuple[str, str, tuple[object, ...]],
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool: ...


@runtime_checkable
class ChangeGate(Protocol):
    """An app that may run read-only (ContainerLabApp); a pane in another app changes freely."""

    read_only: bool

    def allowed(self, what: str) -> bool:
        """False, with a notice, when `what` would change something in read-only mode."""
        ...


def is_read_only(node: DOMNode) -> bool:
    """True when the node's app runs read-only."""
    app = node.app
    return isinstance(app, ChangeGate) and app.read_only


def allowed(node: DOMNode, what: str) -> bool:
    """Ask the node's app whether `what` may run; it says why not in read-only mode."""
    app = node.app
    return app.allowed(what) if isinstance(app, ChangeGate) else True


def delivers(app: ActionHost | App[Any]) -> bool:
    """Whether files reach the viewer's browser rather than this machine's disk."""
    return app.is_web


def action_owner(target: object, name: str) -> str:
    """The name of the class that defines the action `name` for `target` ("" if none does)."""
    for cls in type(target).__mro__:
        if f"action_{name}" in cls.__dict__ or f"_action_{name}" in cls.__dict__:
            return cls.__qualname__
    return ""


def action_forms(target: object, name: str, params: Sequence[object]) -> tuple[str, str]:
    """`Owner.name` and `Owner.name(params…)`, the two ways SAFE and REFUSED name an action."""
    bare = f"{action_owner(target, name)}.{name}"
    return bare, f"{bare}({', '.join(repr(p) for p in params)})" if params else bare


def permits(target: object, name: str, params: Sequence[object], *, delivered: bool) -> bool:
    """Whether a read-only dashboard runs the action `name(params)` of `target`."""
    forms = set(action_forms(target, name, params))
    return bool(forms & SAFE) or (delivered and bool(forms & SAFE_WHEN_DELIVERED))


def refusal(target: object, name: str, params: Sequence[object]) -> str:
    """The one-line notice for a refused action."""
    bare, exact = action_forms(target, name, params)
    words = REFUSED.get(exact) or REFUSED.get(bare) or name.replace("_", " ")
    return f"read-only: {words} is disabled"


def hidden(node: DOMNode, action: str, params: Sequence[object]) -> bool:
    """For check_action: True when read-only mode refuses this action of `node` (its key then
    leaves the footer)."""
    app = node.app
    if not getattr(app, "read_only", False):
        return False
    return not permits(node, action, params, delivered=delivers(app))


def resolve_action(
    app: ActionHost | App[Any],
    action: str | tuple[str, str, tuple[object, ...]],
    default: DOMNode | None,
    namespaces: Mapping[str, DOMNode] | None,
) -> tuple[object, str, tuple[object, ...]]:
    """(target, name, params) of an action as App.run_action reads it."""
    destination, name, params = actions.parse(action) if isinstance(action, str) else action
    target: object = default if default is not None else app
    if destination:
        found = (namespaces or {}).get(destination)
        target = found if found is not None else getattr(app, destination, None)
    return target, name, tuple(params)


def refuses(
    app: App[Any],
    action: str | tuple[str, str, tuple[object, ...]],
    default: DOMNode | None,
    namespaces: Mapping[str, DOMNode] | None,
) -> bool:
    """For App.run_action: True, with the notice, when read-only mode refuses the action."""
    if not getattr(app, "read_only", False):
        return False
    target, name, params = resolve_action(app, action, default, namespaces)
    if permits(target, name, params, delivered=delivers(app)):
        return False
    app.notify(refusal(target, name, params), severity="warning")
    return True


class GatedAction:
    """A palette command that runs an action through App.run_action (so through the gate)."""

    def __init__(
        self, app: ActionHost | App[Any], action: str, namespace: DOMNode | None = None
    ) -> None:
        self.app, self.action, self.namespace = app, action, namespace

    async def __call__(self) -> None:
        await self.app.run_action(self.action, self.namespace)

    def runnable(self) -> bool:
        """Whether the app would run it now: the gate (read-only mode) lets it through and its
        target's check_action allows it (a container's kill is not offered on a project)."""
        target, name, params = resolve_action(self.app, self.action, self.namespace, None)
        gated = getattr(self.app, "read_only", False)
        if gated and not permits(target, name, params, delivered=delivers(self.app)):
            return False
        return not isinstance(target, DOMNode) or bool(target.check_action(name, params))


def palette_commands(app: App[Any], commands: Iterable[SystemCommand]) -> Iterable[SystemCommand]:
    """The commands that would run now; read-only, only those the gate lets through (and of
    Textual's own, the few in SAFE_SYSTEM_COMMANDS), deny by default."""
    gated = getattr(app, "read_only", False)
    system_commands = SAFE_SYSTEM_COMMANDS | ({"Screenshot"} if delivers(app) else set())
    for command in commands:
        callback = command.callback
        if isinstance(callback, GatedAction):
            if callback.runnable():
                yield command
        elif not gated or command.title in system_commands:
            yield command


def guard_parts(
    backends: Sequence[DashboardBackend], lab: LabSession | None, files: LogFiles
) -> tuple[list[DashboardBackend], LabSession | None, LogFiles]:
    """The parts a read-only app is handed: each refuses everything but its declared reads."""
    return (
        [read_only(backend, BACKEND_READS, f"the engine {backend.name}") for backend in backends],
        read_only(lab, LAB_READS, "the lab") if lab is not None else None,
        read_only(files, LOG_FILES_READS, "this machine's files"),
    )
