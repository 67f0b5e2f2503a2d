"""A task's logs through its manager (`GET /tasks/{id}/logs`): the manager fetches them from the
node the task ran on, so a service's logs merge across nodes without reaching each engine."""

from __future__ import annotations

from collections.abc import Iterator

import docker
from docker.types.daemon import CancellableStream

from tui.engine.client import close_response, open_engine_stream, read_some
from tui.engine.logs.stream import LogLine, decode_frames, read_frames


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
        params: dict[str, object] = {
            "stdout": 1,
            "stderr": 1,
            "timestamps": 1,
            "follow": int(follow),
            "tail": tail,
        }
        if since is not None:
            params["since"] = f"{since:.6f}"
        response = open_engine_stream(api, f"/tasks/{task_id}/logs", params, None)
        self._response = response
        frames = read_frames(read_some(response) if follow else response.raw.read, tty=False)
        self._stream = CancellableStream(decode_frames(frames, True, source), response)

    def __iter__(self) -> Iterator[LogLine]:
        return iter(self._stream)

    def close(self) -> None:
        """Stop the stream from any thread."""
        close_response(self._response)
