"""BaselinePane: the lesson (container vs gVisor vs VM, measured here) and the running containers
against a VM profile (cited, or measured here), on one screen.

Construct it with plain data (VM profiles and container footprints) and the lab, and feed it
with `update_figures(...)`; it never talks to Docker itself. `m` and `x` run and stop the lesson
through its `LessonControl` (views/baseline/control.py), whose messages it draws in its `lesson`
panel. Switching profile posts `BaselinePane.ProfileChanged`; `c` shows or hides the full
citations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Select, Static

from tui.baseline.compare import compare_all
from tui.baseline.measure import lesson_result
from tui.baseline.profiles import Profile, load_all_profiles
from tui.baseline.report import citations_full, citations_short, compare_table
from tui.baseline.results import UnitKind
from tui.engine.footprint import ContainerFootprint
from tui.errors import LabError
from tui.paths import lab_paths
from tui.session import LabSession
from tui.views.baseline.control import LessonControl
from tui.views.baseline.panel import VIEWER_TEXT, FigureGrid, LessonPanel
from tui.views.colours import UNIT_COLOURS, css_variables
from tui.views.formats import plain
from tui.views.read_only import hidden, is_read_only

SELECT = "baseline-profile"
ROOMY_ROWS = 34  # from this height on, the lesson's bars fit under its tables
COMPARE_KINDS = (UnitKind.CONTAINER, UnitKind.VM) * 2  # the colours of the compare columns


def baseline_pane(lab: LabSession | None, *, id: str) -> BaselinePane | Static:
    """The pane, with the cited profiles and this host's measured one; a line saying why not
    (and what to do) when the measured profile cannot be read."""
    try:
        return BaselinePane(load_all_profiles(lab_paths()), lab=lab, id=id)
    except LabError as exc:  # this host's measured profile, damaged
        return Static(
            plain(
                f"VM baseline unavailable: {exc}; move it away, or measure again: "
                "container-lab baseline measure"
            ),
            id=id,
        )


class BaselinePane(VerticalScroll):
    """The lesson's three-way comparison, then the running containers against a VM profile."""

    DEFAULT_CSS = css_variables(UNIT_COLOURS, "unit-") + Path(__file__).with_suffix(
        ".tcss"
    ).read_text(encoding="utf-8")
    BINDINGS = [  # noqa: RUF012
        Binding("m", "run_lesson", "Run the lesson"),
        Binding("x", "stop_lesson", "Stop the lesson"),
        Binding("c", "toggle_citations", "Citations"),
    ]
    can_focus = True

    @dataclass(eq=False)
    class ProfileChanged(Message):
        """The user picked another VM profile."""

        profile_id: str

    def __init__(
        self,
        profiles: Sequence[Profile],
        containers: Sequence[ContainerFootprint] = (),
        *,
        lab: LabSession | None = None,
        selected: str | None = None,
        profile_id: str | None = None,
        host_memory_bytes: int | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        if not profiles:
            raise ValueError("BaselinePane needs at least one VM profile")
        self._profiles = list(profiles)
        self.lab = lab
        self.footprints = list(containers)
        self._selected = selected
        self._profile_id = profile_id or self._profiles[0].id
        self._host_bytes = host_memory_bytes or psutil.virtual_memory().total
        self.citations_shown = False
        self._ready = False  # set once the children exist

    @property
    def profile(self) -> Profile:
        """The VM profile in use."""
        return next((p for p in self._profiles if p.id == self._profile_id), self._profiles[0])

    @property
    def lesson(self) -> LessonPanel:
        """The lesson's panel (cards, live rows, results)."""
        return self.query_one(LessonPanel)

    @property
    def control(self) -> LessonControl:
        """What runs the lesson."""
        return self.query_one(LessonControl)

    @property
    def selected_container(self) -> ContainerFootprint | None:
        """The container shown in the first columns (by id or name; else the first one)."""
        for fp in self.footprints:
            if self._selected in (fp.id, fp.name) or (
                self._selected and fp.id.startswith(self._selected)
            ):
                return fp
        return self.footprints[0] if self.footprints else None

    def compose(self) -> ComposeResult:
        yield LessonControl(self.lab)
        yield LessonPanel(id="lesson")
        options = [(p.name, p.id) for p in self._profiles]
        with Horizontal(id="baseline-header"):
            yield Label("Running containers, each as a VM of", id="baseline-profile-label")
            yield Select(options, value=self.profile.id, allow_blank=False, compact=True, id=SELECT)
        yield FigureGrid(by="column", id="baseline-compare")
        yield Static(id="baseline-source")

    def on_mount(self) -> None:
        self._ready = True
        if is_read_only(self):  # a viewer offers no m, not even in words
            self.lesson.idle_text = VIEWER_TEXT
            self.lesson.set_status(VIEWER_TEXT)
        self.show_last_measured()
        self.refresh_figures()

    def show_last_measured(self) -> None:
        """Never dashes when something was measured: the measured profile's lesson, if any
        (a lesson this lab publishes, running or not, is drawn over it)."""
        measured = next((p for p in self._profiles if p.measured), None)
        result = lesson_result(measured) if measured is not None else None
        if result is not None and self.lesson.result is None:
            self.lesson.show_last(result, "" if is_read_only(self) else "; m runs it again")

    def on_resize(self) -> None:
        """A projector's large screen has room for bars too."""
        self.lesson.set_class(self.size.height >= ROOMY_ROWS, "roomy")

    def update_figures(
        self,
        containers: Sequence[ContainerFootprint],
        *,
        lab: LabSession | None = None,
        selected: str | None = None,
        host_memory_bytes: int | None = None,
    ) -> None:
        """Show new container figures (and optionally another selection or host size)."""
        self.footprints = list(containers)
        if selected is not None:
            self._selected = selected
        if host_memory_bytes:
            self._host_bytes = host_memory_bytes
        self.refresh_figures()

    def update_profiles(self, profiles: Sequence[Profile], profile_id: str | None = None) -> None:
        """Replace the profile list (e.g. after the lesson measured one) and refresh."""
        if not profiles:
            return
        self._profiles = list(profiles)
        self._profile_id = profile_id or self.profile.id
        if self._ready:
            select = self.query_one(f"#{SELECT}", Select)
            select.set_options([(p.name, p.id) for p in self._profiles])
            select.value = self.profile.id
        self.refresh_figures()

    def set_profile(self, profile_id: str) -> None:
        """Compare with another profile, by id."""
        if profile_id == self._profile_id or profile_id not in {p.id for p in self._profiles}:
            return
        self._profile_id = profile_id
        if self._ready:
            self.query_one(f"#{SELECT}", Select).value = profile_id
        self.post_message(self.ProfileChanged(profile_id))
        self.refresh_figures()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.set_profile(event.value)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the lesson's keys in read-only mode."""
        return not hidden(self, action, parameters)

    def action_run_lesson(self) -> None:
        """Run the lesson: a container, a gVisor sandbox and a VM of one image, side by side."""
        self.control.start()

    def action_stop_lesson(self) -> None:
        """Stop the lesson's container, sandbox and VM."""
        self.control.stop()

    def action_toggle_citations(self) -> None:
        """Show the full citations, or one line of them."""
        self.citations_shown = not self.citations_shown
        self.refresh_sources()

    def refresh_figures(self) -> None:
        """Recompute the comparison and redraw its table and sources."""
        if not self._ready:
            return
        profile = self.profile
        self.refresh_sources()
        chosen = self.selected_container
        grid = self.query_one("#baseline-compare", FigureGrid)
        grid.set_class(chosen is None, "empty")
        if chosen is None:
            grid.show([["No running container to compare."]])
            return
        mine = compare_all([chosen], profile, self._host_bytes)
        everyone = compare_all(self.footprints, profile, self._host_bytes)
        name = f"{chosen.name} ({chosen.image})"
        rows = compare_table(name, mine, everyone, len(self.footprints), profile)
        grid.show(rows, COMPARE_KINDS)

    def refresh_sources(self) -> None:
        """The sources line: one line, or every citation after `c`."""
        if not self._ready:
            return
        profile = self.profile
        measured = self.lesson.sources_text()
        text = Text("Sources: ", style="bold")
        if self.citations_shown:
            lines = citations_full(profile)
            text.append(f"{profile.name}:\n")
            text.append("\n".join(f"  {line}" for line in lines))
            if measured:
                text.append(f"\nThe lesson, measured here: {measured}")
            text.append("\nc hides these", style="italic")
        else:
            text.append(citations_short(profile))
            text.append("   c: full citations", style="italic")
        source = self.query_one("#baseline-source", Static)
        source.set_class(self.citations_shown, "full")
        source.update(text)

    # The lesson's messages (from its control) ---------------------------------------------

    def on_lesson_control_started(self) -> None:
        """A new run: clear the figures and say so (the message goes on to the app)."""
        self.lesson.started()

    def on_lesson_control_phase(self, message: LessonControl.Phase) -> None:
        """Show a unit's new phase."""
        if self.control.is_current(message.run):
            self.lesson.show_phase(message.kind, message.phase, message.note)

    def on_lesson_control_samples(self, message: LessonControl.Samples) -> None:
        """Show the live rows."""
        if self.control.is_current(message.run):
            self.lesson.show_samples(message.samples)

    def on_lesson_control_finished(self, message: LessonControl.Finished) -> None:
        """Show the figures; the lesson saved a measured profile, so compare with it too."""
        if not self.control.is_current(message.run):
            return
        self.lesson.show_result(message.result)
        self.refresh_sources()
        self.notify("the lesson's figures are in; what runs stays up, idle, until x")
        self.compare_with_measured()

    def compare_with_measured(self) -> None:
        """A lesson saved a measured profile: compare what runs with that VM."""
        try:
            profiles = load_all_profiles(lab_paths())
            measured = next((p.id for p in profiles if p.measured), None)
            self.update_profiles(profiles, measured)
        except Exception as exc:  # a bad profile file must not hide the lesson's figures
            self.notify(f"measured profile not loaded: {exc}", severity="warning")

    def on_lesson_control_watching(self, message: LessonControl.Watching) -> None:
        """The lab's lesson as published: drawn here unless this dashboard runs it; once its
        figures come, the comparison is with the VM it measured, as in the runner's."""
        self.control.watched = message.watched
        if self.control.current is None:
            state = message.watched.state
            measured = state.result if state is not None else None
            new_figures = measured is not None and measured != self.lesson.result
            self.lesson.show_watched(message.watched)
            self.refresh_sources()
            if new_figures:
                self.compare_with_measured()

    def on_lesson_control_ended(self, message: LessonControl.Ended) -> None:
        """A failed run stops what it started; once stopped, the live rows go (and the message
        goes on to the app, which samples the running containers again)."""
        control, run = self.control, message.run
        if message.stopped:
            if control.current is None:  # not when a new run began meanwhile
                self.lesson.stopped(message.error)
            return
        if not control.is_current(run):  # after x its error is expected
            return
        control.forget()
        if not message.made:
            self.notify(f"cannot run the lesson: {message.error}", severity="error")
            self.lesson.stopped(message.error)
            return
        self.notify(f"the lesson failed: {message.error}", severity="error", timeout=10)
        control.stop_lesson(run, message.error)
