"""The compose-project side of the containers pane: header rows, folding and project keys.

A project's containers are grouped under a header row (tui/views/presentation.py builds its
cells); on that row the container keys act on the whole project and the app runs them
(tui/views/containers/projects.py). Containers without a project are shown exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.containers import Vertical
from textual.message import Message

from tui.engine.compose import ComposeProject, ProjectAction, project_name
from tui.engine.containers import ContainerInfo
from tui.engine.stats.api import StatsSample
from tui.views.presentation import (
    Cells,
    member_name,
    project_cells,
    project_key,
    project_of_key,
)
from tui.views.widgets.keyed_table import KeyedTable

# On a compose project's header row the container keys act on the whole project.
PROJECT_KEYS = {
    "start": ProjectAction.START,
    "stop": ProjectAction.STOP,
    "restart": ProjectAction.RESTART,
    "remove": ProjectAction.DOWN,
}
# Container keys with no project counterpart, hidden on a header row.
ONE_CONTAINER_ONLY = frozenset({"kill", "pause", "shell"})


class ProjectRows(Vertical):
    """Compose projects shown as foldable groups; the pane below fills in its hooks."""

    @dataclass(eq=False)
    class ProjectRequested(Message, namespace="containers_pane"):
        """The user asked for `action` on the compose project `project`."""

        action: ProjectAction
        project: str

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.infos: dict[str, ContainerInfo] = {}
        self.samples: dict[str, StatsSample] = {}
        self.projects: dict[str, ComposeProject] = {}  # compose projects, by name
        self.folded: set[str] = set()  # projects shown as their header row only
        self.on_project_row = False  # the footer offers the project keys
        self.on_header_row = False  # ...and not the keys of one container

    # Hooks of the pane -------------------------------------------------------------------

    @property
    def table(self) -> KeyedTable:
        """The containers table."""
        raise NotImplementedError

    def all_cells(self, info: ContainerInfo) -> Cells:
        """Every column's cell of one container."""
        raise NotImplementedError

    def shown(self, cells: Cells) -> list[Any]:
        """The cells of the columns shown."""
        raise NotImplementedError

    def refresh_rows(self) -> None:
        """Bring the table in line with the data."""
        raise NotImplementedError

    def request_project_logs(self, project: str) -> None:
        """Ask for the logs of a project's containers."""
        raise NotImplementedError

    # Rows --------------------------------------------------------------------------------

    @property
    def selected_project(self) -> str | None:
        """The compose project whose header row is under the cursor."""
        return project_of_key(self.table.cursor_key)

    def project_of(self, container_id: str) -> str | None:
        """The compose project of a known container."""
        info = self.infos.get(container_id)
        return project_name(info) if info is not None else None

    def row_project(self) -> str | None:
        """The project of the row under the cursor: its header's or its container's."""
        key = self.table.cursor_key
        return project_of_key(key) or self.project_of(key or "")

    def row_cells(self, key: str) -> list[Any]:
        """The row of a project's header or of a container (indented under its project)."""
        project = project_of_key(key)
        if project is not None:
            header = project_cells(
                self.projects[project], self.infos, self.samples, project in self.folded
            )
            return self.shown(header)
        cells = self.all_cells(self.infos[key])
        if self.project_of(key) is not None:
            cells["name"] = member_name(str(cells["name"]))
        return self.shown(cells)

    def offer_project_keys(self) -> None:
        """Show the project keys in the footer only while the cursor is on a project's rows."""
        on_project, on_header = self.row_project() is not None, self.selected_project is not None
        if (on_project, on_header) != (self.on_project_row, self.on_header_row):
            self.on_project_row, self.on_header_row = on_project, on_header
            self.refresh_bindings()

    # Keys --------------------------------------------------------------------------------

    def project_request(self, action: str, project: str) -> None:
        """A container key on a project's header row: fold, logs, or the project action."""
        if action == "detail":
            self.toggle_fold(project)
        elif action == "logs":
            self.request_project_logs(project)
        elif action in PROJECT_KEYS:
            self.post_message(self.ProjectRequested(PROJECT_KEYS[action], project))
        else:
            self.notify(
                f"{action} works on one container: pick one of {project}'s rows",
                severity="warning",
            )

    def action_recreate(self) -> None:
        """`up -d --force-recreate` the project of the selected row (the app asks first)."""
        project = self.row_project()
        if project is None:
            self.notify("not a compose project's container", severity="warning")
            return
        self.post_message(self.ProjectRequested(ProjectAction.UP, project))

    def action_fold(self) -> None:
        """Fold or unfold the selected project; on one of its containers, fold onto its header."""
        project = self.row_project()
        if project is not None:
            self.toggle_fold(project)

    def toggle_fold(self, project: str) -> None:
        """Show a project as its header only, or with its containers; the cursor stays on it."""
        if project in self.folded:
            self.folded.discard(project)
        else:
            self.folded.add(project)
        self.refresh_rows()
        self.table.follow(project_key(project))
