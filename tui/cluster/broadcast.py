"""The orchestration lesson as its runner publishes it for every dashboard of the lab.

As the VM lesson does (tui/baseline/broadcast.py, the shared part in tui/broadcast.py), the
dashboard that runs the lesson claims the lab's one orchestration lesson and publishes each
step's phase, note and measured time, the nodes with their tasks once a second, and the end.
Every other dashboard reads it back with `orchestration_state` and draws the same panel; a
runner gone while its lesson ran shows as ended, with what it had changed on the cluster.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from tui import broadcast
from tui.broadcast import Broadcast, record, records
from tui.cluster.lesson import STEPS, LessonView, StepResult
from tui.errors import LabError
from tui.paths import LabPaths
from tui.published import Seen, Writer, read_published

NAME = "orchestration-lesson"
RUNNING, MEASURED, STOPPED, FAILED = "running", "measured", "stopped", "failed"
UNDER_WAY = (RUNNING, MEASURED)  # its service is up: steps running, or measured until x
STATUSES = (*UNDER_WAY, STOPPED, FAILED)


@dataclass(frozen=True)
class NodeSeen:
    """A node as the lesson's columns show it."""

    hostname: str
    state: str
    availability: str
    role: str


@dataclass(frozen=True)
class TaskSeen:
    """One live task of the lesson's service, on the node named `node`."""

    slot: int
    node: str
    image: str
    state: str
    error: str = ""


@dataclass(frozen=True)
class Board:
    """The nodes and the lesson's live tasks now, or why the manager could not be read."""

    nodes: tuple[NodeSeen, ...] = ()
    tasks: tuple[TaskSeen, ...] = ()
    error: str = ""


def board_of(view: LessonView) -> Board:
    """What the panel draws of a reading of the manager."""
    names = {node.id: node.hostname for node in view.nodes}
    nodes = tuple(NodeSeen(n.hostname, n.state, n.availability, n.role) for n in view.nodes)
    tasks = tuple(
        TaskSeen(t.slot, names.get(t.node_id, ""), t.image, t.state, t.error)
        for t in view.tasks
        if t.live
    )
    return Board(nodes, tasks, view.error)


@dataclass(frozen=True)
class OrchestrationState:
    """One run of the orchestration lesson as its runner last published it."""

    status: str  # RUNNING, MEASURED (every step done, the service up until x), STOPPED, FAILED
    run_id: str
    cluster: str  # the cluster's name
    nodes: int
    heartbeat_seconds: float
    started: str  # UTC, ISO 8601
    running: str = ""  # the step under way
    line: str = ""  # what the lesson said last
    results: tuple[StepResult, ...] = ()
    board: Board = field(default_factory=Board)
    left: str = ""  # what the lesson changed on the cluster and `x` would undo, said in words
    measured: str = ""  # when the last step ended (UTC, ISO 8601)
    error: str = ""
    writer: Writer | None = None  # who runs it (set by the reader)

    @property
    def under_way(self) -> bool:
        """Its service is up (steps running, or measured and left until x)."""
        return self.status in UNDER_WAY

    @property
    def by_step(self) -> dict[str, StepResult]:
        """The measured steps, by key."""
        return {result.key: result for result in self.results}


def to_body(state: OrchestrationState) -> dict[str, Any]:
    """The JSON body of a state."""
    body = asdict(state)
    body.pop("writer")
    return body


def from_body(body: Mapping[str, Any]) -> OrchestrationState:
    """The state a JSON body says (ValueError, TypeError or KeyError when it is not one)."""
    if body.get("status") not in STATUSES:
        raise ValueError(f"status {body.get('status')!r}")
    results = records(StepResult, body.get("results"))
    if any(result.key not in STEPS for result in results):
        raise ValueError(f"unknown steps {sorted(r.key for r in results)}")
    raw = body.get("board")
    board = Board()
    if raw is not None:  # not an object: AttributeError, one line for the viewer
        nodes, tasks = records(NodeSeen, raw.get("nodes")), records(TaskSeen, raw.get("tasks"))
        board = record(Board, raw, nodes=nodes, tasks=tasks)
    state = record(OrchestrationState, body, results=results, board=board)
    if state.running and state.running not in STEPS:
        raise ValueError(f"step {state.running!r}")
    return state


Watched = broadcast.Watched[OrchestrationState]


def seen(found: Seen, paths: LabPaths | None = None) -> Watched:
    """What a published document means for a viewer."""
    return broadcast.watched(
        found, lambda body, writer: replace(from_body(body), writer=writer), NAME, paths
    )


def orchestration_state(paths: LabPaths) -> Watched:
    """The lab's orchestration lesson as its runner last published it."""
    return seen(read_published(paths, NAME), paths)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class OrchestrationBroadcast(Broadcast[OrchestrationState]):
    """The runner's side: claims the lab's orchestration lesson, publishes it as it goes."""

    def __init__(
        self, paths: LabPaths, on_error: Callable[[str], None] = lambda message: None
    ) -> None:
        super().__init__(paths, NAME, to_body, on_error)

    def started(self, run_id: str, cluster: str, nodes: int, heartbeat: float, line: str) -> None:
        """A new run began on `cluster`."""
        state = OrchestrationState(
            RUNNING, run_id, cluster, nodes, heartbeat, _now(), "deploy", line
        )
        self._set(lambda _: state)

    def phase(self, step: str, line: str, results: Iterable[StepResult], left: str) -> None:
        """The lesson said `line` of `step` (the results and what it changed, as they are)."""

        def change(s: OrchestrationState | None) -> OrchestrationState | None:
            if s is None or not s.under_way:  # a late word of a run already stopped
                return s
            running = step if step in STEPS else s.running
            return replace(s, running=running, line=line, results=tuple(results), left=left)

        self._set(change)

    def last_word(self, state: OrchestrationState) -> None:
        """Publish `state` as it is: a guardian's word on a lesson whose runner is gone."""
        self._set(lambda _: state)

    def board(self, board: Board) -> None:
        """The nodes and the lesson's tasks now."""
        self._set(lambda s: replace(s, board=board) if s and s.under_way else s)

    def finished(self, results: Iterable[StepResult], line: str, error: str = "") -> None:
        """Every step ran (or one failed, `error`); the service stays up until x (a run
        stopped meanwhile stays stopped)."""

        def change(s: OrchestrationState | None) -> OrchestrationState | None:
            if s is None or s.status != RUNNING:
                return s
            return replace(s, status=MEASURED, running="", line=line, results=tuple(results),
                           measured=_now(), error=error)  # fmt: skip

        self._set(change)

    def ended(self, error: str = "") -> None:
        """What the lesson made is removed (or, `error`, the run could not go on); let go."""
        status = FAILED if error else STOPPED
        self._set(
            lambda s: (
                s
                and replace(
                    s,
                    status=status,
                    running="",
                    error=error or s.error,
                    board=Board(),
                    left="",
                    measured=s.measured or (_now() if s.results else ""),
                )
            )
        )
        self.release()


def undone(paths: LabPaths, watched: Watched, done: str) -> None:
    """The guardian's word for the viewers of a lesson whose runner was killed: what it did
    (only while no other dashboard has claimed the lab's lesson since)."""
    state = watched.state
    if state is None or not watched.ended:
        return
    guardian = OrchestrationBroadcast(paths)
    with contextlib.suppress(LabError):
        if guardian.claim():
            error = f"the dashboard that ran it was killed; its guardian {done}"
            stopped = replace(state, status=STOPPED, running="", board=Board(), left="",
                              error=error, writer=None)  # fmt: skip
            guardian.last_word(stopped)
            guardian.release()
