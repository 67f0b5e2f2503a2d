"""Compose project actions asked for on the containers pane: the read-only check, a compose file
that is gone, the question naming every container touched, then the compose CLI off the UI thread.
"""

from __future__ import annotations

from typing import Any

from textual.app import App

from tui.engine.backend import DashboardBackend
from tui.engine.compose import (
    DESTRUCTIVE_PROJECT_ACTIONS,
    ComposeProject,
    ProjectAction,
    missing_config,
)
from tui.views.containers.project_rows import ProjectRows
from tui.views.messages import ActionDone
from tui.views.presentation import project_question
from tui.views.read_only import PROJECT_CHANGES, allowed
from tui.views.widgets.confirm import ConfirmScreen


def request_project_action(
    app: App[Any], backend: DashboardBackend, pane: ProjectRows, action: ProjectAction, name: str
) -> None:
    """Run `action` on project `name` as the pane knows it; destructive ones ask first."""
    project = pane.projects.get(name)
    if project is None or (action in PROJECT_CHANGES and not allowed(pane, f"project {action}")):
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

    app.push_screen(ConfirmScreen(project_question(action, project, pane.infos)), answered)


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
