"""BaselinePane: each container against the VM it would be, with numbers and bars.

Self-contained: construct it with plain data (VM profiles and container footprints) and feed it
with `update_figures(...)`; it never talks to Docker itself. Switching profile posts
`BaselinePane.ProfileChanged`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import psutil
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Label, Select, Static

from tui.baseline.compare import Comparison, compare_all, format_value
from tui.baseline.profiles import Profile
from tui.engine.footprint import ContainerFootprint

BAR_WIDTH = 28
METRIC_LABELS = {
    "memory": "Memory",
    "start": "Start",
    "disk": "Disk",
    "density": "Fit in host",
}


def bar(value: float | None, scale: float, width: int = BAR_WIDTH) -> str:
    """A bar of block characters, `value` out of `scale`; at least one block for any value > 0."""
    if value is None or scale <= 0:
        return ""
    cells = round(width * value / scale)
    return "█" * max(1 if value > 0 else 0, min(width, cells))


def comparison_table(comparisons: Sequence[Comparison]) -> Table:
    """One row per comparison: plain numbers, the ratio, and a container bar over a VM bar."""
    table = Table(box=None, expand=True, pad_edge=False, show_edge=False)
    table.add_column("", style="bold", no_wrap=True)
    table.add_column("container", justify="right", no_wrap=True)
    table.add_column("VM", justify="right", no_wrap=True)
    table.add_column("", justify="right", no_wrap=True)
    table.add_column("", ratio=1)
    for c in comparisons:
        scale = max(c.container or 0.0, c.vm or 0.0)
        bars = Text()
        bars.append(bar(c.container, scale) or "·", style="green")
        bars.append("\n")
        bars.append(bar(c.vm, scale) or "·", style="red")
        if c.note:
            bars.append(f"\n{c.note}", style="dim italic")
        ratio = c.ratio
        times = "" if ratio is None else f"{ratio:.1f}x"
        table.add_row(
            METRIC_LABELS.get(c.metric, c.metric),
            format_value(c.container, c.unit),
            format_value(c.vm, c.unit),
            times,
            bars,
        )
    return table


class BaselinePane(Vertical):
    """Containers vs. VMs for the selected container and for all running ones."""

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")

    class ProfileChanged(Message):
        """The user picked another VM profile."""

        def __init__(self, profile_id: str) -> None:
            super().__init__()
            self.profile_id = profile_id

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
        self._containers = list(containers)
        self._selected = selected
        self._profile_id = profile_id or self._profiles[0].id
        self._host_bytes = host_memory_bytes or psutil.virtual_memory().total
        self._ready = False  # set once the children exist

    @property
    def profile(self) -> Profile:
        """The VM profile in use."""
        return next((p for p in self._profiles if p.id == self._profile_id), self._profiles[0])

    @property
    def selected_container(self) -> ContainerFootprint | None:
        """The container shown in the first section (by id or name; else the first one)."""
        for fp in self._containers:
            if self._selected in (fp.id, fp.name) or (
                self._selected and fp.id.startswith(self._selected)
            ):
                return fp
        return self._containers[0] if self._containers else None

    def compose(self) -> ComposeResult:
        options = [(p.name, p.id) for p in self._profiles]
        with Horizontal(id="baseline-header"):
            yield Label("Compared with", id="baseline-profile-label")
            yield Select(options, value=self.profile.id, allow_blank=False, id="baseline-profile")
        yield Static(id="baseline-source")
        legend = Text.assemble(("█ container", "green"), "   ", ("█ virtual machine", "red"))
        yield Static(legend, id="baseline-legend")
        yield Static(id="baseline-selected", classes="baseline-section")
        yield Static(id="baseline-all", classes="baseline-section")

    def on_mount(self) -> None:
        self._ready = True
        self.refresh_figures()

    def update_figures(
        self,
        containers: Sequence[ContainerFootprint],
        *,
        selected: str | None = None,
        host_memory_bytes: int | None = None,
    ) -> None:
        """Show new container figures (and optionally another selection or host size)."""
        self._containers = list(containers)
        if selected is not None:
            self._selected = selected
        if host_memory_bytes:
            self._host_bytes = host_memory_bytes
        self.refresh_figures()

    def update_profiles(self, profiles: Sequence[Profile], profile_id: str | None = None) -> None:
        """Replace the profile list (e.g. after `baseline measure`) and refresh."""
        if not profiles:
            return
        self._profiles = list(profiles)
        self._profile_id = profile_id or self.profile.id
        if self._ready:
            select = self.query_one("#baseline-profile", Select)
            select.set_options([(p.name, p.id) for p in self._profiles])
            select.value = self.profile.id
        self.refresh_figures()

    def show_container(self, container: str) -> None:
        """Show `container` (id, id prefix or name) in the first section."""
        self._selected = container
        self.refresh_figures()

    def set_profile(self, profile_id: str) -> None:
        """Compare with another profile, by id."""
        if profile_id == self._profile_id or profile_id not in {p.id for p in self._profiles}:
            return
        self._profile_id = profile_id
        if self._ready:
            self.query_one("#baseline-profile", Select).value = profile_id
        self.post_message(self.ProfileChanged(profile_id))
        self.refresh_figures()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.set_profile(event.value)

    def refresh_figures(self) -> None:
        """Recompute the comparisons and redraw both sections."""
        if not self._ready:
            return
        profile = self.profile
        self.query_one("#baseline-source", Static).update(self._source_text(profile))
        chosen = self.selected_container
        selected = self.query_one("#baseline-selected", Static)
        everyone = self.query_one("#baseline-all", Static)
        if chosen is None:
            selected.update(Text("No running container to compare.", style="dim"))
            everyone.update("")
            return
        selected.border_title = f"{chosen.name} ({chosen.image})"
        selected.update(comparison_table(compare_all([chosen], profile, self._host_bytes)))
        everyone.border_title = f"All running containers ({len(self._containers)})"
        everyone.update(comparison_table(compare_all(self._containers, profile, self._host_bytes)))

    @staticmethod
    def _source_text(profile: Profile) -> Text:
        text = Text("Source: ", style="bold")
        if profile.measured:
            text.append(profile.provenance(), style="")
            return text
        text.append("; ".join(s.citation() for s in profile.sources()))
        return text
