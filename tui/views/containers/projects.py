"""Compose projects in the containers pane: the groups its rows form (ProjectGroups, a state
object the pane holds), and the project actions asked for on them: the read-only check, a
compose file that is gone, the question naming every container touched, then the compose CLI
off the UI thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from textual.app import App

from tui.engine.backend import DashboardBackend
from tui.engine.compose import (
    DESTRUCTIVE_PROJECT_ACTIONS,
    ComposeProject,
    ProjectAction,
    group_projects,
    missing_config,
    project_name,
)
from tui.engine.containers import ContainerInfo
from tui.engine.stats.api import StatsSample
from tui.views.messages import ActionDone
from tui.views.presentation import Cells, project_cells, project_of_key, project_question
from tui.views.read_only import PROJECT_CHANGES, allowed
from tui.views.widgets.confirm import ConfirmScreen

# On a compose project's header row the container keys act on the whole project.
PROJECT_KEYS = {
    "start": ProjectAction.START,
    "stop": ProjectAction.STOP,
    "restart": ProjectAction.RESTART,
    "remove": ProjectAction.DOWN,
}
# Container keys with no project counterpart, hidden on a header row.
ONE_CONTAINER_ONLY = frozenset({"kill", "pause", "shell"})


class ProjectGroups:
    """The compose projects among the containers (by their compose labels), and which of them
    are folded to their header row."""

    def __init__(self) -> None:
        self.projects: dict[str, ComposeProject] = {}
        self.folded: set[str] = set()

    def regroup(self, infos: Iterable[ContainerInfo]) -> None:
        """Group these containers again (after any change to the list)."""
        self.projects = group_projects(infos)

    def of_row(self, key: str | None, infos: Mapping[str, ContainerInfo]) -> str | None:
        """The project of a row: its header's, or its container's (None: no project)."""
        info = infos.get(key or "")
        return project_of_key(key) or (project_name(info) if info is not None else None)

    def header_cells(
        self, name: str, infos: Mapping[str, ContainerInfo], samples: Mapping[str, StatsSample]
    ) -> Cells:
        """The header row of a project: fold mark, services, running/total, summed stats."""
        return project_cells(self.projects[name], infos, samples, name in self.folded)

    def toggle(self, name: str) -> None:
        """Fold a project to its header row, or unfold it."""
        self.folded ^= {name}

    @staticmethod
    def member_ids(name: str, infos: Mapping[str, ContainerInfo]) -> tuple[str, ...]:
        """The ids of a project's containers, in list order."""
        return tuple(info.id for info in infos.values() if project_name(info) == name)


def request_project_action(
    app: App[Any],
    backend: DashboardBackend,
    project: ComposeProject | None,
    infos: Mapping[str, ContainerInfo],
    action: ProjectAction,
) -> None:
    """Run `action` on a project the pane shows (`infos`: its containers); destructive ones ask
    first."""
    if project is None or (action in PROJECT_CHANGES and not allowed(app, f"project {action}")):
        return
    why = missing_config(project)
    if why:
        app.notify(why, severity="warning")
        return
    if action not in DESTRUCTIVE_PROJECT_ACTIONS:
        start_project_action(app, backend, project, action)
        return

    def answered(yes: bool | None) -> None:
        if yes:
            start_project_action(app, backend, project, action)

    app.push_screen(ConfirmScreen(project_question(action, project, infos)), answered)


def start_project_action(
    app: App[Any], backend: DashboardBackend, project: ComposeProject, action: ProjectAction
) -> None:
    """The compose CLI in a thread worker; ActionDone says how it went (the events redraw)."""
    what = f"project {action}"
    app.notify(f"{what}: {project.name} (running compose)", timeout=3)

    def run() -> None:
        try:
            backend.compose_project(project, action)
        except Exception as exc:  # LabError says why; nothing else may end the app
            app.post_message(ActionDone(what, project.name, error=str(exc)))
        else:
            app.post_message(ActionDone(what, project.name))

    app.run_worker(
        run, name=f"{what} {project.name}", group="compose", thread=True, exit_on_error=False
    )
