"""Container actions asked for on the containers pane: the read-only check, the question before
a destructive one, then the feed of the container's engine runs it (a shell suspends the app).
"""

from __future__ import annotations

import shlex
import subprocess
from typing import Any

from textual.app import App

from tui.engine.actions import ContainerAction
from tui.engine.backend import DashboardBackend
from tui.engine.containers import ContainerInfo
from tui.views.containers.detail import DetailScreen
from tui.views.containers.pane import ContainersPane
from tui.views.engines import EngineFeeds
from tui.views.messages import LogsRequested
from tui.views.read_only import allowed
from tui.views.widgets.confirm import ConfirmScreen


def request_container_action(
    app: App[Any],
    engines: EngineFeeds,
    pane: ContainersPane,
    action: ContainerAction,
    container_id: str,
) -> None:
    """Run `action` on a container the pane lists: a view, a shell, or a lifecycle action."""
    info = pane.rows.infos.get(container_id)
    if info is None or (action.changes and not allowed(pane, action)):
        return
    if action is ContainerAction.DETAIL:
        app.push_screen(DetailScreen(info, pane.clock, engines.backend_of(info).processes))
    elif action is ContainerAction.LOGS:
        pane.post_message(LogsRequested((container_id,)))
    elif action is ContainerAction.SHELL:
        open_shell(app, engines.backend_of(info), info)
    elif action.is_destructive:

        def answered(yes: bool | None) -> None:
            if yes:
                run_lifecycle(engines, info, action)

        app.push_screen(ConfirmScreen(f"{action.capitalize()} container {info.name}?"), answered)
    else:
        if action is ContainerAction.PAUSE and info.state == "paused":
            action = ContainerAction.UNPAUSE
        run_lifecycle(engines, info, action)


def run_lifecycle(engines: EngineFeeds, info: ContainerInfo, action: ContainerAction) -> None:
    """Hand a lifecycle action to the feed of the container's engine."""
    feed = engines.feed_of(info)
    if feed is not None:
        feed.run_action(info.id, action, info.name)


def open_shell(app: App[Any], backend: DashboardBackend, info: ContainerInfo) -> None:
    """Suspend the app and run `docker exec -it … sh` in a running container."""
    if not allowed(app, "shell"):
        return
    if info.state != "running":
        app.notify("a shell needs a running container", severity="warning")
        return
    argv = backend.shell_argv(info.id)
    try:
        with app.suspend():
            print(f"$ {shlex.join(argv)}   (exit the shell to come back)", flush=True)
            subprocess.run(argv, check=False)
    except Exception as exc:  # SuspendNotSupported in a browser, or no docker CLI
        app.notify(f"cannot open a shell here: {exc}", severity="error")
