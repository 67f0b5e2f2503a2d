"""A service's logs in the existing logs view: one source per task, read through the manager.

The logs view asks its backend only for `logs()` and `ping()`; `TaskLogs` answers them for a
Swarm's tasks (the manager fetches each task's log from the node it ran on), and each task
becomes a ContainerInfo the view can name and colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from tui.engine.backend import DashboardBackend
from tui.engine.containers import ContainerInfo
from tui.engine.swarm import SwarmService, SwarmTask
from tui.engine.swarm_feed import SwarmFeed
from tui.engine.swarm_logs import TaskLogStream


class TaskLogs:
    """`logs()` and `ping()` of the logs view, for tasks through the Swarm's manager."""

    def __init__(self, feed: SwarmFeed) -> None:
        self.feed = feed

    def logs(
        self,
        container_id: str,
        *,
        follow: bool,
        tail: int | str,
        tty: bool,
        since: float | None = None,
        source: str = "",
    ) -> TaskLogStream:
        """The logs of the task `container_id` (a task id here)."""
        return self.feed.task_logs(
            container_id, follow=follow, tail=tail, since=since, source=source
        )

    def ping(self) -> bool:
        """True while the manager answers."""
        return self.feed.ping()

    def as_backend(self) -> DashboardBackend:
        """Itself, for the logs view (which calls only logs() and ping())."""
        return cast(DashboardBackend, self)


def task_info(
    task: SwarmTask, service: SwarmService, node_names: Mapping[str, str]
) -> ContainerInfo:
    """A task as the logs view names it: `web.2@node-3`."""
    node = node_names.get(task.node_id, task.node_id[:12])
    return ContainerInfo(
        id=task.id,
        name=f"{task.name(service.name)}@{node}",
        image=task.image,
        state=task.state,
        exit_code=task.exit_code,
        created=task.created,
        started_at=task.timestamp,
        finished_at=None,
        ports="",
        command="",
        user="",
        health="",
        restart_count=0,
        tty=False,
        labels={"com.docker.swarm.service.name": service.name},
    )


def logged_tasks(tasks: Sequence[SwarmTask], service_id: str) -> list[SwarmTask]:
    """The tasks whose logs a service's view merges: those that ran (not rejected before)."""
    return [t for t in tasks if t.service_id == service_id and t.container_id]
