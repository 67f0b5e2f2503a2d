"""What the preferences file may name (themes, columns, binding ids) and applying it to the app.

tui/preferences.py checks the file without Textual; this module hands it the choices the views
really have, read from the widgets' own BINDINGS, so a new binding with an `id` is remappable
and checked for clashes without being listed anywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import BindingsMap
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen
from textual.theme import BUILTIN_THEMES
from textual.widgets import RichLog

from tui.preferences import BoundKey, Choices
from tui.views.projector import THEMES


def bound_keys(classes: Iterable[type[DOMNode]]) -> list[BoundKey]:
    """The bindings of these classes as Textual merges them (a subclass's key replaces its
    base's), one entry per key."""
    found: list[BoundKey] = []
    for cls in classes:
        merged: dict[str, list[BoundKey]] = {}
        for base in reversed(cls.__mro__):
            if issubclass(base, DOMNode) and "BINDINGS" in base.__dict__:
                for key, bindings in BindingsMap(base.__dict__["BINDINGS"]).key_to_bindings.items():
                    merged[key] = [
                        BoundKey(b.id, key, b.description or b.action.replace("_", " "))
                        for b in bindings
                    ]
        found.extend(b for bindings in merged.values() for b in bindings)
    return found


def dashboard_choices() -> Choices:
    """Every theme, the containers table's columns, and the bindings of each place of the app."""
    from tui.views.app import ContainerLabApp
    from tui.views.baseline.pane import BaselinePane
    from tui.views.containers.detail import DetailScreen
    from tui.views.containers.pane import ContainersPane
    from tui.views.containers.table import COLUMNS
    from tui.views.images_pane import ImagesPane
    from tui.views.inspect.screen import InspectScreen, InspectTree
    from tui.views.logs.screen import LogsScreen
    from tui.views.prune_screen import PruneScreen
    from tui.views.storage_panes import ResourcePane
    from tui.views.training_pane import TrainingPane
    from tui.views.widgets.keyed_table import KeyedTable

    app: list[type[DOMNode]] = [Screen, ContainerLabApp]
    places: dict[str, list[type[DOMNode]]] = {
        "the containers tab": [KeyedTable, ContainersPane, *app],
        "the images tab": [KeyedTable, ImagesPane, *app],
        "the volumes and networks tabs": [KeyedTable, ResourcePane, *app],
        "the training tab": [TrainingPane, *app],
        "the detail view": [VerticalScroll, DetailScreen, ContainerLabApp],
        "the inspect view": [InspectTree, InspectScreen, ContainerLabApp],
        "the logs view": [RichLog, LogsScreen, ContainerLabApp],
        "the prune preview": [PruneScreen, ContainerLabApp],
    }
    places["the VM baseline tab"] = [BaselinePane, *app]
    scopes = {place: bound_keys(classes) for place, classes in places.items()}
    actions: dict[str, str] = {}
    for bindings in scopes.values():
        for binding in bindings:
            if binding.id and binding.id not in actions:
                actions[binding.id] = binding.description
    return Choices(
        themes=sorted([*BUILTIN_THEMES, *(theme.name for theme in THEMES)]),
        columns=[key for key, _ in COLUMNS],
        actions=dict(sorted(actions.items())),
        scopes=scopes,
    )
