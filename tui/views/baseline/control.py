"""The lesson's control: make, run, sample and stop the lesson in thread workers, never in the UI.

`LessonControl` is an invisible widget the VM baseline pane composes, as the training pane runs
the training. `start()` asks the lab for a lesson (`LabSession.lesson`: the views never hold a
docker client) and runs it in a thread worker; a one-second timer asks another worker for its
live figures; `stop()` stops the three in a third. When the control goes (the app ending,
however it ends) it stops them before the process does: no QEMU, runsc or lesson container
outlives the app. Its messages carry the run they belong to and bubble to the pane, which draws
them; `Started` and `Ended` go on to the app.

One lesson per lab, seen by every dashboard of it: the run is published under `.lab/live`
(`LessonBroadcast`, tui/baseline/broadcast.py) and every control follows that document
(`Watched` messages), so read-only viewers, served sessions and other terminals draw the same
cards. `m` where another dashboard runs the lab's lesson shows that one instead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from tui.baseline.broadcast import NAME, LessonBroadcast, Watched, seen
from tui.errors import LabError
from tui.lifetime import HOLDS
from tui.paths import LabPaths
from tui.published import Follower, Seen
from tui.session import LabSession
from tui.views.read_only import allowed

if TYPE_CHECKING:
    from tui.baseline.lesson import Lesson, LessonResult, UnitSample

SAMPLE_SECONDS = 1.0


class LessonRun:
    """One run of the lesson: its phases go out as messages; the Lesson itself is made by the
    run's worker, and one made after `stop()` began is stopped at once."""

    def __init__(self, control: LessonControl, broadcast: LessonBroadcast | None = None) -> None:
        self.control = control
        self.broadcast = broadcast  # publishes the run for the lab's other dashboards
        self.lesson: Lesson | None = None
        self.stopping = False
        self._lock = threading.Lock()

    def __call__(self, kind: str, phase: str, note: str = "") -> None:
        """The lesson's `on_phase` callback (from its threads)."""
        self.control.post_message(LessonControl.Phase(self, kind, phase, note))
        if self.broadcast is not None:
            self.broadcast.phase(kind, phase, note)

    def made(self, lesson: Lesson) -> bool:
        """Keep the lesson the worker made; False when the run is being stopped already."""
        with self._lock:
            self.lesson = lesson
            if self.broadcast is not None and not self.stopping:
                self.broadcast.started(lesson.run_id, lesson.image)
            return not self.stopping

    def stop(self, error: str = "") -> None:
        """Stop the three (blocking, idempotent); the class sees it stopped (or failed)."""
        with self._lock:
            self.stopping = True
            lesson = self.lesson
        try:
            if lesson is not None:
                lesson.stop()
        finally:
            if self.broadcast is not None:
                self.broadcast.ended(error)
            HOLDS.release(self)


class LessonControl(Widget):
    """Runs at most one lesson at a time; see the module docstring."""

    DEFAULT_CSS = "LessonControl { display: none; }"

    @dataclass(eq=False)
    class Started(Message):
        """A run began (the app brings the VM baseline tab forward)."""

        run: LessonRun

    @dataclass(eq=False)
    class Phase(Message):
        """A unit of the lesson moved on."""

        run: LessonRun
        kind: str
        phase: str
        note: str

    @dataclass(eq=False)
    class Samples(Message):
        """The units' live figures."""

        run: LessonRun
        samples: list[UnitSample]

    @dataclass(eq=False)
    class Finished(Message):
        """The lesson measured everything; the three stay up, idle."""

        run: LessonRun
        result: LessonResult

    @dataclass(eq=False)
    class Ended(Message):
        """The run failed with `error` (`made`: after its lesson was made), or (`stopped`) the
        three are gone."""

        run: LessonRun
        error: str = ""
        stopped: bool = False
        made: bool = True

    @dataclass(eq=False)
    class Watching(Message):
        """The lab's lesson as its runner (this dashboard or another) last published it."""

        watched: Watched

    def __init__(self, lab: LabSession | None, *, id: str | None = None) -> None:
        """`lab` makes the lessons (None: a dashboard without a lab, which says so)."""
        super().__init__(id=id)
        self.lab = lab
        self.current: LessonRun | None = None  # the run under way or left idle
        self.timer: Timer | None = None
        self.sampler: Worker[None] | None = None  # the live sample being taken
        self.follower: Follower | None = None  # the lab's published lesson, followed
        self.watched = Watched()  # what the follower last saw

    def on_mount(self) -> None:
        """Follow the lab's lesson, whichever dashboard runs it."""
        if self.lab is None:
            return
        paths = self.lab.paths
        self.follower = Follower(paths, NAME, lambda found: self.report(found, paths))
        self.follower.start()

    def report(self, found: Seen, paths: LabPaths) -> None:
        """From the follower's thread: what the published lesson now says."""
        self.post_message(self.Watching(seen(found, paths)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A lesson worker that failed says so (a widget's worker events stay with it)."""
        if event.state == WorkerState.ERROR:
            worker = event.worker
            self.notify(f"{worker.name or worker.group}: {worker.error}", severity="error")

    def is_current(self, run: LessonRun) -> bool:
        """True for the live run's messages (False for an earlier run's)."""
        return run is self.current

    # Run and stop --------------------------------------------------------------------------

    def start(self) -> None:
        """Run a lesson, unless one runs; its phases and figures come as messages."""
        if not allowed(self, "the lesson"):
            return
        if self.current is not None:
            self.notify("the lesson is already running: x stops it", severity="warning")
            return
        if self.lab is None:
            self.notify("cannot run the lesson: no lab configured", severity="error")
            return
        free, broadcast = self.claim(self.lab)
        if not free:
            return
        run = self.current = LessonRun(self, broadcast)
        HOLDS.hold(run, run.stop)  # however the app ends, the three are stopped
        if self.timer is not None:
            self.timer.stop()
        self.timer = self.set_interval(SAMPLE_SECONDS, self.poll)
        self.post_message(self.Started(run))
        self.run_lesson(self.lab, run)

    def claim(self, lab: LabSession) -> tuple[bool, LessonBroadcast | None]:
        """The lab's one lesson for this dashboard: (True, its broadcast), (True, None) when it
        cannot be published (it runs here, unseen by the class), (False, None) when another
        dashboard of the lab runs it (shown here instead)."""
        broadcast = LessonBroadcast(
            lab.paths, lambda message: self.notify(message, severity="warning", timeout=10)
        )
        try:
            claimed = broadcast.claim()
        except LabError as exc:
            self.notify(f"the class cannot see this lesson: {exc}", severity="warning")
            return True, None
        if claimed:
            return True, broadcast
        self.notify("the lab's lesson runs in another dashboard: shown here, x stops it there")
        if self.follower is not None:
            self.follower.again()
        return False, None

    def stop(self) -> None:
        """Stop the lesson's container, sandbox and VM (in a worker: it takes a moment)."""
        if not allowed(self, "stopping the lesson"):
            return
        run = self.current
        if run is None:
            self.notify("no lesson is running")
            return
        self.forget()
        self.stop_lesson(run)

    def forget(self) -> None:
        """No current lesson any more: no sampling either."""
        self.current = None
        if self.timer is not None:
            self.timer.stop()
            self.timer = None

    def on_unmount(self) -> None:
        """The app is ending: stop the lesson here and now (blocking), so nothing outlives it."""
        run = self.current
        self.forget()
        if self.follower is not None:
            self.follower.close()
        if run is not None:
            run.stop()

    def poll(self) -> None:
        """Once a second: sample the lesson's units off the UI thread (one sampler at a time)."""
        busy = self.sampler is not None and not self.sampler.is_finished
        run = self.current
        if run is not None and run.lesson is not None and not busy:
            self.sampler = self.sample_lesson(run, run.lesson)

    # Workers -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="lesson", exit_on_error=False)
    def run_lesson(self, lab: LabSession, run: LessonRun) -> None:
        """Make the lesson and run it (blocking, minutes at most); post its result or why not."""
        try:
            lesson = lab.lesson(run)
        except Exception as exc:  # no engine: say so, never crash
            error = str(exc) or type(exc).__name__
            if run.broadcast is not None:
                run.broadcast.ended(error)
            self.post_message(self.Ended(run, error, made=False))
            return
        if not run.made(lesson):  # x came while it was being made
            lesson.stop()
            return
        try:
            result = lesson.run()
        except Exception as exc:
            self.post_message(self.Ended(run, str(exc) or type(exc).__name__))
            return
        if run.broadcast is not None:
            run.broadcast.finished(result)
        self.post_message(self.Finished(run, result))

    @work(thread=True, group="lesson-samples", exit_on_error=False)
    def sample_lesson(self, run: LessonRun, lesson: Lesson) -> None:
        """Post the units' live figures (and publish them)."""
        samples = lesson.samples()
        if run.broadcast is not None:
            run.broadcast.samples(samples)
        self.post_message(self.Samples(run, samples))

    @work(thread=True, group="lesson-stop", exit_on_error=False)
    def stop_lesson(self, run: LessonRun, error: str = "") -> None:
        """Stop the three; post that they are gone (and why, when the run failed)."""
        try:
            run.stop(error)
        finally:
            self.post_message(self.Ended(run, error, stopped=True))
