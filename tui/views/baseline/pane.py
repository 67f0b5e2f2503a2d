"""BaselinePane: the lesson (container vs gVisor vs VM, measured here) and the running containers
against a VM profile (cited, or measured here), on one screen.

Self-contained: construct it with plain data (VM profiles and container footprints) and feed it
with `update_figures(...)`; it never talks to Docker itself. The lesson's figures come through
its `lesson` panel. Switching profile posts `BaselinePane.ProfileChanged`. `m` and `x` ask the
app to run and stop the lesson; `c` shows or hides the full citations.
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
from tui.baseline.profiles import Profile
from tui.engine.footprint import ContainerFootprint
from tui.views.baseline.lesson_text import citations_full, citations_short, compare_table
from tui.views.baseline.panel import FigureGrid, LessonPanel
from tui.views.colours import UNIT_COLOURS, css_variables

SELECT = "baseline-profile"
ROOMY_ROWS = 34  # from this height on, the lesson's bars fit under its tables
COMPARE_KINDS = ("container", "vm", "container", "vm")  # the colours of the compare columns


class BaselinePane(VerticalScroll):
    """The lesson's three-way comparison, then the running containers against a VM profile."""

    DEFAULT_CSS = css_variables(UNIT_COLOURS, "unit-") + Path(__file__).with_suffix(
        ".tcss"
    ).read_text(encoding="utf-8")
    BINDINGS = [  # noqa: RUF012
        Binding("m", "app.run_lesson", "Run the lesson"),
        Binding("x", "app.stop_lesson", "Stop the lesson"),
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
    def selected_container(self) -> ContainerFootprint | None:
        """The container shown in the first columns (by id or name; else the first one)."""
        for fp in self.footprints:
            if self._selected in (fp.id, fp.name) or (
                self._selected and fp.id.startswith(self._selected)
            ):
                return fp
        return self.footprints[0] if self.footprints else None

    def compose(self) -> ComposeResult:
        yield LessonPanel(id="lesson")
        options = [(p.name, p.id) for p in self._profiles]
        with Horizontal(id="baseline-header"):
            yield Label("Running containers, each as a VM of", id="baseline-profile-label")
            yield Select(options, value=self.profile.id, allow_blank=False, compact=True, id=SELECT)
        yield FigureGrid(by="column", id="baseline-compare")
        yield Static(id="baseline-source")

    def on_mount(self) -> None:
        self._ready = True
        self.refresh_figures()

    def on_resize(self) -> None:
        """A projector's large screen has room for bars too."""
        self.lesson.set_class(self.size.height >= ROOMY_ROWS, "roomy")

    def update_figures(
        self,
        containers: Sequence[ContainerFootprint],
        *,
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
