"""The app's lesson side: run, sample and stop the lesson in thread workers, never in the UI.

`m` on the VM baseline tab runs `Lesson.run()` in a thread worker; a one-second timer asks a
thread worker for `Lesson.samples()`; `x` stops the three in another. Quitting, SIGTERM and
SIGHUP stop them too: no QEMU, runsc or lesson container outlives the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import SystemCommand
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import TabbedContent
from textual.worker import Worker

from tui.views.engines import EngineApp
from tui.views.guards import being_removed
from tui.views.read_only import GatedAction, allowed, is_read_only

if TYPE_CHECKING:
    from tui.baseline.lesson import Lesson, LessonResult, UnitSample
    from tui.views.baseline.pane import BaselinePane

SAMPLE_SECONDS = 1.0
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@dataclass(eq=False)
class LessonMessage(Message):
    """From a lesson's worker; `lesson` tells a stale message (an earlier run's) from a live one."""

    lesson: Lesson


@dataclass(eq=False)
class LessonPhase(LessonMessage):
    """A unit of the lesson moved on."""

    kind: str
    phase: str
    note: str


@dataclass(eq=False)
class LessonSamples(LessonMessage):
    """The units' live figures."""

    samples: list[UnitSample]


@dataclass(eq=False)
class LessonFinished(LessonMessage):
    """The lesson measured everything; the three stay up, idle."""

    result: LessonResult


@dataclass(eq=False)
class LessonEnded(LessonMessage):
    """The run failed with `error`, or (`stopped`) the three are gone."""

    error: str = ""
    stopped: bool = False


class PhaseRelay:
    """The lesson's `on_phase` callback: posts each phase (from the lesson's threads)."""

    def __init__(self, app: EngineApp) -> None:
        self.app = app
        self.lesson: Lesson | None = None  # set once the lesson exists

    def __call__(self, kind: str, phase: str, note: str = "") -> None:
        if self.lesson is not None:
            self.app.post_message(LessonPhase(self.lesson, kind, phase, note))


class LessonApp(EngineApp):
    """An engine app that can also run the lesson (see ContainerLabApp)."""

    lesson: Lesson | None = None  # the run under way or left idle; None when nothing runs
    lesson_timer: Timer | None = None
    lesson_labels: dict[str, str] | None = None  # extra labels for the lesson's containers
    lesson_image = "debian:bookworm-slim"
    cleanup_worker: Worker[None] | None = None  # removes dead apps' lessons, once
    sampler: Worker[None] | None = None  # the live sample being taken
    _signals_installed: tuple[signal.Signals, ...] = ()

    # Wiring ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Exit cleanly on SIGTERM and SIGHUP (the lesson is stopped on the way out)."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        installed = []
        for sig in EXIT_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.exit_on_signal, sig)
                installed.append(sig)
        self._signals_installed = tuple(installed)

    def exit_on_signal(self, sig: signal.Signals) -> None:
        """Leave as `q` does, with the shell's status for a signal."""
        self.exit(return_code=128 + sig)

    def on_unmount(self) -> None:
        """Stop the lesson before the process ends, and give the signals back."""
        self.shutdown_lesson()
        loop = asyncio.get_running_loop()
        for sig in self._signals_installed:
            loop.remove_signal_handler(sig)
        self._signals_installed = ()

    def first_engine_answered(self) -> None:
        """Once per app: remove what an earlier, killed lesson left behind."""
        # A read-only app (a class watching) changes nothing, not even an old lesson's leftovers.
        if self.cleanup_worker is None and not is_read_only(self):
            self.cleanup_worker = self.clean_lesson_leftovers()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """A click on the VM baseline tab gives its keys (m, x, c) the focus, as `4` does."""
        pane = self.baseline_pane()
        on_baseline = event.tabbed_content.active == "baseline"
        if on_baseline and pane is not None and not pane.has_focus_within:
            pane.focus()

    def baseline_pane(self) -> BaselinePane | None:
        """The VM baseline pane, when it is there (and not being removed)."""
        from tui.views.baseline.pane import BaselinePane

        if not self.screen_stack:
            return None
        panes = self.screen_stack[0].query(BaselinePane)
        return panes.first() if panes and not being_removed(panes.first()) else None

    def docker_client(self) -> Any:
        """The backend's docker client for the lesson; None with a backend that has none."""
        accessor = getattr(self.backend, "docker_client", None)
        return accessor() if accessor is not None else None

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The lesson's commands join the palette."""
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Run the lesson: container vs gVisor vs VM",
            "One image as a container, a gVisor sandbox and a QEMU VM (VM baseline tab)",
            GatedAction(self, "run_lesson"),
        )
        yield SystemCommand(
            "Stop the lesson",
            "Stop its container, sandbox and VM",
            GatedAction(self, "stop_lesson"),
        )

    # Run and stop --------------------------------------------------------------------------

    def action_run_lesson(self) -> None:
        """Run the lesson in a worker, its phases and live figures on the VM baseline tab."""
        if not allowed(self, "the lesson"):
            return
        pane = self.baseline_pane()
        if pane is None:
            self.notify("the VM baseline tab is not available", severity="error")
            return
        if self.lesson is not None:
            self.notify("the lesson is already running: x stops it", severity="warning")
            return
        try:
            from tui.baseline.lesson import Lesson
            from tui.paths import lab_paths

            client = self.docker_client() if self.engine_up else None
            if client is None:
                raise RuntimeError(f"the lesson needs a Docker engine ({self.backend.description})")
            relay = PhaseRelay(self)
            lesson = Lesson(
                client, lab_paths(), self.lesson_image, labels=self.lesson_labels, on_phase=relay
            )
            relay.lesson = lesson
        except Exception as exc:  # no engine, no lesson module: say so, never crash
            self.notify(f"cannot run the lesson: {exc}", severity="error")
            return
        self.lesson = lesson
        if self.lesson_timer is not None:
            self.lesson_timer.stop()
        self.lesson_timer = self.set_interval(SAMPLE_SECONDS, self.poll_lesson)
        self.show_baseline_tab()
        pane.lesson.started()
        self.run_lesson(lesson)

    def show_baseline_tab(self) -> None:
        """Bring the VM baseline tab forward (the lesson may start from the palette)."""
        action_tab = getattr(self, "action_tab", None)
        if action_tab is not None:
            action_tab("baseline")

    def action_stop_lesson(self) -> None:
        """Stop the lesson's container, sandbox and VM (in a worker: it takes a moment)."""
        if not allowed(self, "stopping the lesson"):
            return
        lesson = self.lesson
        if lesson is None:
            self.notify("no lesson is running")
            return
        self.forget_lesson()
        pane = self.baseline_pane()
        if pane is not None:
            pane.lesson.set_status("Stopping the container, the sandbox and the VM…")
        self.stop_lesson(lesson)

    def forget_lesson(self) -> None:
        """No current lesson any more: no sampling either."""
        self.lesson = None
        if self.lesson_timer is not None:
            self.lesson_timer.stop()
            self.lesson_timer = None

    def shutdown_lesson(self) -> None:
        """At exit: stop the lesson here and now (blocking), so nothing outlives the app."""
        lesson = self.lesson
        self.forget_lesson()
        if lesson is not None:
            lesson.stop()

    def poll_lesson(self) -> None:
        """Once a second: sample the lesson's units off the UI thread (one sampler at a time)."""
        busy = self.sampler is not None and not self.sampler.is_finished
        if self.lesson is not None and not busy:
            self.sampler = self.sample_lesson(self.lesson)

    # Workers -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="lesson", exit_on_error=False)
    def run_lesson(self, lesson: Lesson) -> None:
        """Run the lesson (blocking, minutes at most); post its result or why it stopped."""
        try:
            result = lesson.run()
        except Exception as exc:
            self.post_message(LessonEnded(lesson, str(exc) or type(exc).__name__))
            return
        self.post_message(LessonFinished(lesson, result))

    @work(thread=True, group="lesson-samples", exit_on_error=False)
    def sample_lesson(self, lesson: Lesson) -> None:
        """Post the units' live figures."""
        self.post_message(LessonSamples(lesson, lesson.samples()))

    @work(thread=True, group="lesson-stop", exit_on_error=False)
    def stop_lesson(self, lesson: Lesson, error: str = "") -> None:
        """Stop the three; post that they are gone (and why, when the run failed)."""
        try:
            lesson.stop()
        finally:
            self.post_message(LessonEnded(lesson, error, stopped=True))

    @work(thread=True, exclusive=True, group="lesson-cleanup", exit_on_error=False)
    def clean_lesson_leftovers(self) -> None:
        """Remove what lessons of apps that are gone (killed, say) left; a live one is spared."""
        client = self.docker_client()
        if client is None:  # a backend without an engine of its own (fixed data)
            return
        from tui.baseline.lesson import cleanup_leftovers

        if count := cleanup_leftovers(client):  # notify() posts a message: safe from here
            self.notify(f"removed {count} leftovers of an earlier lesson")

    # Messages ------------------------------------------------------------------------------

    def on_lesson_phase(self, message: LessonPhase) -> None:
        """Show a unit's new phase."""
        pane = self.baseline_pane()
        if message.lesson is self.lesson and pane is not None:
            pane.lesson.show_phase(message.kind, message.phase, message.note)

    def on_lesson_samples(self, message: LessonSamples) -> None:
        """Show the live rows."""
        pane = self.baseline_pane()
        if message.lesson is self.lesson and pane is not None:
            pane.lesson.show_samples(message.samples)

    def on_lesson_finished(self, message: LessonFinished) -> None:
        """Show the figures; the lesson saved a measured profile, so offer it too."""
        pane = self.baseline_pane()
        if message.lesson is not self.lesson or pane is None:
            return
        pane.lesson.show_result(message.result)
        pane.refresh_sources()
        self.notify("the lesson's figures are in; what runs stays up, idle, until x")
        try:
            from tui.baseline.profiles import load_all_profiles
            from tui.paths import lab_paths

            profiles = load_all_profiles(lab_paths())
            measured = next((p.id for p in profiles if p.measured), None)
            pane.update_profiles(profiles, measured)  # compare with what was just measured
        except Exception as exc:  # a bad profile file must not hide the lesson's figures
            self.notify(f"measured profile not loaded: {exc}", severity="warning")

    def on_lesson_ended(self, message: LessonEnded) -> None:
        """A failed run stops what it started; once stopped, the live rows go."""
        lesson = message.lesson
        if not message.stopped:
            if lesson is self.lesson:  # it failed by itself (after x, its error is expected)
                self.forget_lesson()
                self.notify(f"the lesson failed: {message.error}", severity="error", timeout=10)
                self.stop_lesson(lesson, message.error)
            return
        pane = self.baseline_pane()
        if self.lesson is None and pane is not None:  # not when a new run began meanwhile
            pane.lesson.stopped(message.error)
            self.refresh_footprints()  # the lesson's containers leave the table now, not in 5 s

    def refresh_footprints(self) -> None:
        """Sample the running containers again for the VM baseline (the app does it)."""
        refresh = getattr(self, "refresh_baseline", None)
        if refresh is not None:
            refresh()
