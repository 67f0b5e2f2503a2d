"""The orchestration lesson on screen, and its run: the panel owns the lesson's thread workers
(as TrainingPane owns the training's) and draws what they post.

`start(cluster)` runs `OrchestrationLesson.run()` in a worker; `sample()` (once a second, from
the pane's timer) reads the nodes and the lesson's tasks in another; `stop()` removes what the
lesson made; unmounting does that here and now, when the app goes (nothing outlives it).

One lesson per lab, seen by every dashboard of it: the run is published under `.lab/live`
(`OrchestrationBroadcast`, tui/cluster/broadcast.py) and every panel follows that document, so
read-only viewers, served sessions and other terminals draw the same nodes, cards and steps;
`m` where another dashboard runs it shows that one. With none under way, the last measured
lesson is one dated line above the tables.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker

from tui.cluster.broadcast import NAME, Board, OrchestrationBroadcast, Watched, board_of, seen
from tui.cluster.lesson import SERVICE, STEP_TITLES, STEPS, OrchestrationLesson, StepResult
from tui.cluster.plan import ClusterState
from tui.errors import LabError
from tui.paths import LabPaths
from tui.published import Follower, Seen
from tui.views.colours import BAD
from tui.views.guards import unless_removed
from tui.views.read_only import is_read_only
from tui.views.swarm.lesson_cards import (
    CARD_STEPS,
    FigureCard,
    NodeColumn,
    heartbeat_note,
    last_line,
    step_text,
    watched_line,
)
from tui.views.swarm.messages import LessonOver, LessonPhase, LessonSeen, LessonWatched
from tui.views.swarm.rows import plain

IDLE_TEXT = "The orchestration lesson: a scheduler at work on the lab's cluster.  m runs it."
ELSEWHERE = "Run by another dashboard of this lab: x there stops it."
RUNS_ELSEWHERE = "the lab's lesson runs in another dashboard: shown here, x stops it there"
FULL, LAST, HIDDEN = "full", "last", ""


@dataclass(eq=False)
class LessonShown(Message):
    """How the lesson's panel is shown: FULL (in the tables' room on a small screen), LAST
    (the last measured lesson, one line above the tables) or HIDDEN."""

    shown: str


class OrchestrationPanel(Vertical):
    """The lesson: status, nodes with their tasks, the four big figures, each step's line."""

    def __init__(self, paths: LabPaths | None = None, **kwargs: str) -> None:
        """`paths`: the lab whose one lesson this panel runs or shows (None: it runs here only)."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.paths = paths
        self.lesson: OrchestrationLesson | None = None  # the run under way or left up
        self.broadcast: OrchestrationBroadcast | None = None  # publishes that run
        self.follower: Follower | None = None
        self.watched = Watched()  # the lab's lesson as last published
        self.sampler: Worker[None] | None = None
        self.running = ""
        self.nodes = 0
        self.shown = HIDDEN

    @property
    def results(self) -> dict[str, StepResult]:
        """The steps measured so far by the current run."""
        return dict(self.lesson.results) if self.lesson is not None else {}

    def compose(self) -> ComposeResult:
        yield Static(IDLE_TEXT, id="orch-status")
        yield Static("", id="orch-note")
        yield Horizontal(id="orch-nodes")
        with Horizontal(id="orch-cards"):
            for step in CARD_STEPS:
                yield FigureCard(step)
        yield Static("", id="orch-steps")

    def on_mount(self) -> None:
        """Follow the lab's lesson, whichever dashboard runs it."""
        if self.paths is not None:
            self.follower = Follower(self.paths, NAME, self.report)
            self.follower.start()

    def report(self, found: Seen) -> None:
        """From the follower's thread: what the published lesson now says."""
        self.post_message(LessonWatched(seen(found, self.paths)))

    # Running it ---------------------------------------------------------------------------

    def start(self, cluster: ClusterState) -> None:
        """A new run on `cluster`, unless another dashboard of the lab runs one (shown here)."""
        try:
            lesson = OrchestrationLesson(cluster)
        except LabError as exc:
            self.notify(str(exc), severity="error")
            return
        free, published = self.claim()
        if not free:
            return
        if published is not None and self.paths is not None:  # its guardian tells the class
            lesson.lab_folder = self.paths.project
        note = heartbeat_note(cluster.heartbeat_seconds)
        line = f"The lesson runs on {len(cluster.nodes)} nodes: deploying {SERVICE}…"
        if published is not None:
            run_id = secrets.token_hex(4)
            published.started(run_id, cluster.name, len(cluster.nodes), lesson.heartbeat_seconds,
                              line)  # fmt: skip

        def on_phase(step: str, text: str) -> None:  # from the lesson's thread
            self.post_message(LessonPhase(lesson, step, text))
            if published is not None:
                title = STEP_TITLES.get(step, step)
                results = list(lesson.results.values())
                published.phase(step, f"{title}: {text}", results, lesson.changes())

        lesson.on_phase = on_phase
        self.lesson, self.broadcast = lesson, published
        self.running = "deploy"
        self.set_status(line)
        self.query_one("#orch-note", Static).update(note)
        self.lay_out(len(cluster.nodes))
        self.show_figures({})
        self.show(FULL)
        self.run_lesson(lesson, published)

    def claim(self) -> tuple[bool, OrchestrationBroadcast | None]:
        """The lab's one lesson for this dashboard: (True, its broadcast), (True, None) when it
        cannot be published (it runs here, unseen by the class), (False, None) when another
        dashboard of the lab runs it (shown here instead)."""
        if self.paths is None:
            return True, None
        published = OrchestrationBroadcast(
            self.paths, lambda message: self.notify(message, severity="warning", timeout=10)
        )
        try:
            if published.claim():
                return True, published
        except LabError as exc:
            self.notify(f"the class cannot see this lesson: {exc}", severity="warning")
            return True, None
        self.notify(RUNS_ELSEWHERE)
        if self.follower is not None:
            self.follower.again()
        return False, None

    def sample(self) -> None:
        """Read the nodes and the lesson's tasks (one reading at a time)."""
        busy = self.sampler is not None and not self.sampler.is_finished
        if self.lesson is not None and not busy:
            self.sampler = self.sample_lesson(self.lesson, self.broadcast)

    def stop(self) -> None:
        """Remove what the lesson made (in a worker); the panel goes once it is gone."""
        lesson, self.lesson = self.lesson, None
        published, self.broadcast = self.broadcast, None
        if lesson is None:
            if self.watched.running:
                self.notify("the lesson runs in another dashboard: x there stops it")
            self.show_watched(self.watched)
            return
        self.set_status("Stopping the lesson: removing its service…")
        self.stop_lesson(lesson, published)

    def on_unmount(self) -> None:
        """At exit: stop the lesson here and now (blocking): nothing it made outlives the app."""
        if self.follower is not None:
            self.follower.close()
        lesson, self.lesson = self.lesson, None
        published, self.broadcast = self.broadcast, None
        if lesson is not None:
            lesson.stop()
        if published is not None:
            published.ended()

    @work(thread=True, exclusive=True, group="orchestration", exit_on_error=False)
    def run_lesson(
        self, lesson: OrchestrationLesson, published: OrchestrationBroadcast | None
    ) -> None:
        """Every step (a minute or two); then what ended it."""
        error = ""
        try:
            lesson.run()
        except Exception as exc:
            error = str(exc) or type(exc).__name__
        if published is not None:
            published.finished(lesson.results.values(), finished_line(lesson.results, error),
                               error)  # fmt: skip
        self.post_message(LessonOver(lesson, error))

    @work(thread=True, group="orchestration-view", exit_on_error=False)
    def sample_lesson(
        self, lesson: OrchestrationLesson, published: OrchestrationBroadcast | None
    ) -> None:
        """The nodes and the lesson's tasks now (published for the class too)."""
        board = board_of(lesson.view())
        if published is not None:
            published.board(board)
        self.post_message(LessonSeen(lesson, board))

    @work(thread=True, group="orchestration-stop", exit_on_error=False)
    def stop_lesson(
        self, lesson: OrchestrationLesson, published: OrchestrationBroadcast | None
    ) -> None:
        """Remove what the lesson made; say when it is gone."""
        try:
            lesson.stop()
        finally:
            if published is not None:
                published.ended()
            self.post_message(LessonOver(lesson, stopped=True))

    # What the workers and the follower post ------------------------------------------------

    @on(LessonPhase)
    @unless_removed
    def _phase(self, message: LessonPhase) -> None:
        if message.lesson is not self.lesson:
            return
        if message.step in STEPS:
            self.running = message.step
        title = STEP_TITLES.get(message.step, message.step)
        self.set_status(Text(f"{title}: {message.text}", style="bold"))
        self.show_figures(message.lesson.results)

    @on(LessonSeen)
    @unless_removed
    def _seen(self, message: LessonSeen) -> None:
        if message.lesson is self.lesson:
            self.show_board(message.board)

    @on(LessonOver)
    @unless_removed
    def _over(self, message: LessonOver) -> None:
        if message.stopped:
            if self.lesson is None:  # the follower draws the lesson as it ended
                self.show(HIDDEN)
                if self.follower is not None:
                    self.follower.again()
                self.app.notify("the lesson's service is removed")
            return
        if message.lesson is self.lesson:
            self.running = ""
            self.show_figures(message.lesson.results)
            error = message.error
            style = f"bold {BAD}" if error else "bold"
            self.set_status(Text(finished_line(message.lesson.results, error), style=style))

    @on(LessonWatched)
    @unless_removed
    def _watched(self, message: LessonWatched) -> None:
        self.watched = message.watched
        if self.lesson is None:  # this dashboard draws its own run itself
            self.show_watched(message.watched)

    # Drawing -------------------------------------------------------------------------------

    def show(self, how: str) -> None:
        """FULL, LAST or HIDDEN (the pane makes the room)."""
        if how != self.shown:
            self.shown = how
            self.post_message(LessonShown(how))

    def set_status(self, text: str | Text) -> None:
        """The line at the top."""
        self.query_one("#orch-status", Static).update(text)

    def lay_out(self, nodes: int) -> None:
        """A column per node."""
        if self.nodes != nodes:
            row = self.query_one("#orch-nodes", Horizontal)
            row.remove_children()
            row.mount_all([NodeColumn(index) for index in range(1, nodes + 1)])
            self.nodes = nodes

    def show_board(self, board: Board) -> None:
        """The nodes and the lesson's tasks now."""
        by_host = {node.hostname: node for node in board.nodes}
        for column in self.query(NodeColumn):
            node = by_host.get(f"node-{column.index}")
            tasks = [t for t in board.tasks if node is not None and t.node == node.hostname]
            column.show(node, sorted(tasks, key=lambda t: t.slot))
        if board.error:
            self.set_status(Text(plain(board.error), style=f"bold {BAD}"))

    def show_figures(self, results: dict[str, StepResult]) -> None:
        """The cards' big figures and every step's line."""
        for card in self.query(FigureCard):
            card.show(results.get(card.step))
        lines = [step_text(key, results.get(key), self.running) for key in STEPS]
        self.query_one("#orch-steps", Static).update(Text("\n").join(lines))

    def show_watched(self, watched: Watched) -> None:
        """The lab's lesson as its runner published it: the same panel while it is under way,
        "ended" when its runner is gone, else the last measured one in a dated line."""
        state = watched.state
        if watched.error:
            self.set_status(Text(plain(f"The class's lesson cannot be shown: {watched.error}")))
            self.show(FULL if self.shown == FULL else LAST)
            return
        if state is None:
            self.show(HIDDEN)
            return
        if state.under_way and not watched.ended:
            self.running = state.running
            note = f"{ELSEWHERE} {heartbeat_note(state.heartbeat_seconds)}"
            self.query_one("#orch-note", Static).update(note)
            self.lay_out(state.nodes)
            self.show_board(state.board)
            self.show_figures(state.by_step)
            self.set_status(Text(watched_line(state), style="bold"))
            self.show(FULL)
            return
        self.running = ""
        self.show_figures(state.by_step)
        if not state.results and not watched.ended:
            self.show(HIDDEN)
            return
        self.set_status(Text(last_line(watched, offer_m=not is_read_only(self))))
        self.show(LAST)


def finished_line(results: dict[str, StepResult], error: str = "") -> str:
    """What the status says once every step ran, or the run failed."""
    if error:
        return f"The lesson stopped: {error}"
    done = sum(1 for r in results.values() if r.ok)
    return f"{done} of {len(STEPS)} steps measured; {SERVICE} stays up until x"
