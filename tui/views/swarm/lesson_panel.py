"""The orchestration lesson on screen, and its run: the panel owns the lesson's thread workers
(as TrainingPane owns the training's) and draws what they post.

`start(cluster)` runs `OrchestrationLesson.run()` in a worker; `sample()` (once a second, from
the pane's timer) reads the nodes and the lesson's tasks in another; `stop()` removes what the
lesson made; unmounting does that here and now, when the app goes (nothing outlives it).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker

from tui.cluster.lesson import (
    SERVICE,
    STEP_TITLES,
    STEPS,
    LessonView,
    OrchestrationLesson,
    StepResult,
)
from tui.cluster.plan import ClusterState
from tui.engine.swarm import SwarmNode
from tui.views.colours import BAD
from tui.views.guards import unless_removed
from tui.views.swarm.lesson_cards import (
    CARD_STEPS,
    FigureCard,
    NodeColumn,
    heartbeat_note,
    step_text,
)
from tui.views.swarm.messages import LessonOver, LessonPhase, LessonSeen

IDLE_TEXT = "The orchestration lesson: a scheduler at work on the lab's cluster.  m runs it."


@dataclass(eq=False)
class LessonShown(Message):
    """The lesson's panel is (or is no longer) to be shown, in the tables' room."""

    shown: bool


class OrchestrationPanel(Vertical):
    """The lesson: status, nodes with their tasks, the four big figures, each step's line."""

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.lesson: OrchestrationLesson | None = None  # the run under way or left up
        self.sampler: Worker[None] | None = None
        self.running = ""
        self.nodes = 0

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

    # Running it ---------------------------------------------------------------------------

    def start(self, cluster: ClusterState) -> None:
        """A new run on `cluster`: nodes laid out, figures cleared, the lesson's settings said."""

        def on_phase(step: str, text: str) -> None:
            self.post_message(LessonPhase(lesson, step, text))

        lesson = OrchestrationLesson(cluster, on_phase=on_phase)
        self.lesson = lesson
        self.running = "deploy"
        nodes = len(cluster.nodes)
        self.set_status(f"The lesson runs on {nodes} nodes: deploying {SERVICE}…")
        self.query_one("#orch-note", Static).update(heartbeat_note(cluster.heartbeat_seconds))
        row = self.query_one("#orch-nodes", Horizontal)
        if self.nodes != nodes:
            row.remove_children()
            row.mount_all([NodeColumn(index) for index in range(1, nodes + 1)])
            self.nodes = nodes
        for card in self.query(FigureCard):
            card.show(None)
        self.show_steps()
        self.post_message(LessonShown(True))
        self.run_lesson(lesson)

    def sample(self) -> None:
        """Read the nodes and the lesson's tasks (one reading at a time)."""
        busy = self.sampler is not None and not self.sampler.is_finished
        if self.lesson is not None and not busy:
            self.sampler = self.sample_lesson(self.lesson)

    def stop(self) -> None:
        """Remove what the lesson made (in a worker); the panel goes once it is gone."""
        lesson, self.lesson = self.lesson, None
        if lesson is None:
            self.post_message(LessonShown(False))
            return
        self.set_status("Stopping the lesson: removing its service…")
        self.stop_lesson(lesson)

    def on_unmount(self) -> None:
        """At exit: stop the lesson here and now (blocking): nothing it made outlives the app."""
        lesson, self.lesson = self.lesson, None
        if lesson is not None:
            lesson.stop()

    @work(thread=True, exclusive=True, group="orchestration", exit_on_error=False)
    def run_lesson(self, lesson: OrchestrationLesson) -> None:
        """Every step (a minute or two); then what ended it."""
        try:
            lesson.run()
        except Exception as exc:
            self.post_message(LessonOver(lesson, str(exc) or type(exc).__name__))
            return
        self.post_message(LessonOver(lesson))

    @work(thread=True, group="orchestration-view", exit_on_error=False)
    def sample_lesson(self, lesson: OrchestrationLesson) -> None:
        """The nodes and the lesson's tasks now."""
        self.post_message(LessonSeen(lesson, lesson.view()))

    @work(thread=True, group="orchestration-stop", exit_on_error=False)
    def stop_lesson(self, lesson: OrchestrationLesson) -> None:
        """Remove what the lesson made; say when it is gone."""
        try:
            lesson.stop()
        finally:
            self.post_message(LessonOver(lesson, stopped=True))

    # What the workers post ----------------------------------------------------------------

    @on(LessonPhase)
    @unless_removed
    def _phase(self, message: LessonPhase) -> None:
        if message.lesson is not self.lesson:
            return
        if message.step in STEPS:
            self.running = message.step
        title = STEP_TITLES.get(message.step, message.step)
        self.set_status(Text(f"{title}: {message.text}", style="bold"))
        result = message.lesson.results.get(message.step)
        if result is not None:
            for card in self.query(FigureCard):
                if card.step == result.key:
                    card.show(result)
        self.show_steps()

    @on(LessonSeen)
    @unless_removed
    def _seen(self, message: LessonSeen) -> None:
        if message.lesson is self.lesson:
            self.show_view(message.view)

    @on(LessonOver)
    @unless_removed
    def _over(self, message: LessonOver) -> None:
        if message.stopped:
            if self.lesson is None:
                self.post_message(LessonShown(False))
                self.app.notify("the lesson's service is removed")
            return
        if message.lesson is self.lesson:
            for card in self.query(FigureCard):
                card.show(message.lesson.results.get(card.step))
            self.finished(message.error)

    # Drawing -------------------------------------------------------------------------------

    def set_status(self, text: str | Text) -> None:
        """The line at the top."""
        self.query_one("#orch-status", Static).update(text)

    def show_view(self, view: LessonView) -> None:
        """The nodes and the lesson's tasks now."""
        by_host: dict[str, SwarmNode] = {node.hostname: node for node in view.nodes}
        live = [task for task in view.tasks if task.live]
        for column in self.query(NodeColumn):
            node = by_host.get(f"node-{column.index}")
            tasks = [t for t in live if node is not None and t.node_id == node.id]
            column.show(node, sorted(tasks, key=lambda t: t.slot))
        if view.error:
            self.set_status(Text(view.error, style=f"bold {BAD}"))

    def show_steps(self) -> None:
        """Every step's line."""
        results = self.results
        lines = [step_text(key, results.get(key), self.running) for key in STEPS]
        self.query_one("#orch-steps", Static).update(Text("\n").join(lines))

    def finished(self, error: str = "") -> None:
        """The run ended (every step done, or it failed)."""
        self.running = ""
        self.show_steps()
        if error:
            self.set_status(Text(f"The lesson stopped: {error}", style=f"bold {BAD}"))
            return
        done = sum(1 for r in self.results.values() if r.ok)
        self.set_status(
            Text(f"{done} of {len(STEPS)} steps measured; {SERVICE} stays up until x", style="bold")
        )
