"""A task's logs through its manager (`GET /tasks/{id}/logs`): the manager fetches them from the
node the task ran on, so a service's logs merge across nodes without reaching each engine."""

from __future__ import annotations

from collections.abc import Iterator

import docker

from tui.engine.client import close_response
from tui.engine.logs.stream import LogLine, open_log_frames


class TaskLogStream:
    """The logs of one Swarm task (what it printed, then live lines when following)."""

    def __init__(
        self,
        api: docker.APIClient,
        task_id: str,
        *,
        follow: bool = True,
        tail: int | str = 500,
        since: float | None = None,
        source: str = "",
    ) -> None:
        path, tty = f"/tasks/{task_id}/logs", False
        self._response, self._stream = open_log_frames(api, path, follow, tail, tty, since, source)

    def __iter__(self) -> Iterator[LogLine]:
        return iter(self._stream)

    def close(self) -> None:
        """Stop the stream from any thread."""
        close_response(self._response)
