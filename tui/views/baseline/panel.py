"""The lesson on screen: three cards with large figures, the live rows and the results.

The panel only draws what it is handed (phases, samples, a LessonResult); the app runs the
lesson. Each kind keeps one colour everywhere: the classes `container`, `gvisor` and `vm`
are coloured in pane.tcss.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Digits, Label, Static

from tui.baseline.report import (
    LIVE_PHASES,
    Cell,
    bar_rows,
    column_title,
    live_rows,
    live_samples,
    memory_digits,
    phase_text,
    ready_digits,
    result_rows,
    result_titles,
    summary,
    versions_line,
)
from tui.baseline.results import UnitKind
from tui.views.formats import plain

if TYPE_CHECKING:
    from tui.baseline.broadcast import Watched
    from tui.baseline.results import LessonResult, UnitSample

BAR_KINDS = list(UnitKind) * 2  # the bar rows: ready time, then memory
IDLE_TEXT = "One image as a container, in a gVisor sandbox and as a VM.  m runs the lesson."
VIEWER_TEXT = "One image as a container, in gVisor and as a VM: it shows here as it runs."


def cell_text(cell: Cell) -> Text:
    """The figure, then its source word in italics (dim would take a coloured column's
    figure under 7:1 on the projector: tests/tui/test_projector_theme.py)."""
    text = Text(cell.text)
    if cell.source:
        text.append(f" {cell.source}", style="italic")
    return text


def result_grid(result: LessonResult) -> list[list[Text]]:
    """The results (tui/baseline/report.py) as a header and rows of text; kinds as columns."""
    header = [Text(""), *(Text(title) for title in result_titles(result))]
    body = [[Text(row.label), *(cell_text(c) for c in row.cells)] for row in result_rows(result)]
    return [header, *body]


class FigureGrid(Grid):
    """A small table of labels; `kinds` names the class of each row (or column) for colour."""

    def __init__(self, *, by: str = "row", header: bool = True, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.header = header
        self.by = by  # "row": the first cell of a row names its kind; "column": the header does

    def show(self, rows: Sequence[Sequence[str | Text]], kinds: Sequence[str] = ()) -> None:
        """Show these rows (the first is the header); kinds colour rows or columns."""
        columns = len(rows[0]) if rows else 1
        cells = [cell for row in rows for cell in row]
        labels = self.labels()
        if len(labels) != len(cells):
            self.remove_children()
            labels = [Label() for _ in cells]
            self.mount_all(labels)
        self.styles.grid_size_columns = columns
        for index, (label, cell) in enumerate(zip(labels, cells, strict=True)):
            row, column = divmod(index, columns)
            label.update(plain(cell))
            label.set_classes(self._classes_of(row, column, kinds))

    def labels(self) -> list[Label]:
        """The labels shown now, row by row."""
        return list(self.query_children(Label))

    def _classes_of(self, row: int, column: int, kinds: Sequence[str]) -> str:
        names = ["header"] if row == 0 and self.header else []
        names += ["first"] if column == 0 else []
        body_row = row - 1 if self.header else row
        index = (body_row if self.by == "row" else column - 1) if kinds else -1
        if 0 <= index < len(kinds):
            names.append(kinds[index])
        return " ".join(names)


class UnitCard(Vertical):
    """One kind: its ready time and host memory in large digits, its phase below the border."""

    def __init__(self, kind: UnitKind) -> None:
        super().__init__(id=f"card-{kind}", classes=f"unit-card {kind}")
        self.kind = kind
        self.border_title = column_title(kind)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="card-figures"):
            with Vertical(classes="figure"):
                yield Digits("-", classes="ready")
                yield Label("s to ready", classes="figure-label")
            with Vertical(classes="figure"):
                yield Digits("-", classes="memory")
                yield Label("MiB on the host", classes="figure-label")

    def set_figures(self, ready: str | None, memory: str | None) -> None:
        """New headline figures (None keeps the one shown)."""
        if ready is not None:
            self.query_one(".ready", Digits).update(ready)
        if memory is not None:
            self.query_one(".memory", Digits).update(memory)

    def set_phase(self, text: str) -> None:
        """What the unit does now, under the card."""
        self.border_subtitle = plain(text)


class LessonPanel(Vertical):
    """The three-way comparison: cards, live rows and the results table."""

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.result: LessonResult | None = None
        self.phases: dict[str, str] = {}
        self.idle_text = IDLE_TEXT  # VIEWER_TEXT where m is not offered (read-only)
        self.watched_run = ""  # the published run shown (another dashboard's, or an old one)

    def compose(self) -> ComposeResult:
        yield Static(IDLE_TEXT, id="lesson-status")
        with Horizontal(id="lesson-cards"):
            for kind in UnitKind:
                yield UnitCard(kind)
        yield FigureGrid(by="row", header=False, id="lesson-live")
        yield FigureGrid(by="column", id="lesson-results")
        yield FigureGrid(by="row", header=False, id="lesson-bars")

    def on_mount(self) -> None:
        self.show_samples([])
        self.query_one("#lesson-results", FigureGrid).display = False

    def on_resize(self) -> None:
        """Bars as wide as the panel."""
        self.show_bars()

    def show_bars(self) -> None:
        """Ready time and memory as bars, once there are figures (shown when `roomy`)."""
        grid = self.query_one("#lesson-bars", FigureGrid)
        grid.set_class(self.result is not None, "shown")
        if self.result is not None:
            grid.show(bar_rows(self.result, max(10, self.size.width - 40)), BAR_KINDS)

    def card(self, kind: str) -> UnitCard:
        """The card of one kind."""
        return self.query_one(f"#card-{kind}", UnitCard)

    def started(self, where: str = "") -> None:
        """A new run: clear the figures and say so (`where`: in another dashboard)."""
        self.result = None
        self.phases = {}
        self.set_status(
            f"The lesson runs{where}: a container, a gVisor sandbox and a VM of one image."
        )
        for kind in UnitKind:
            self.card(kind).set_figures("-", "-")
            self.card(kind).set_phase("waiting")
        self.query_one("#lesson-results", FigureGrid).display = False
        self.show_bars()

    def set_status(self, text: str | Text) -> None:
        """The line above the cards."""
        self.query_one("#lesson-status", Static).update(plain(text))

    def show_phase(self, kind: str, phase: str, note: str = "") -> None:
        """A unit moved on (exporting disk, booting, ready...)."""
        if UnitKind.named(kind) is None:
            return
        self.phases[kind] = phase
        self.card(kind).set_phase(phase_text(kind, phase, note))

    def show_samples(self, samples: Sequence[UnitSample]) -> None:
        """The live rows (only units that still run) and the cards' live memory."""
        rows = live_rows(samples)
        grid = self.query_one("#lesson-live", FigureGrid)
        grid.show(rows, [s.kind for s in live_samples(samples)])
        grid.display = bool(rows)
        for sample in samples:
            if UnitKind.named(sample.kind) is None:
                continue
            card = self.card(sample.kind)
            card.set_phase(phase_text(sample.kind, sample.phase, sample.note))
            if self.result is None and sample.phase in LIVE_PHASES:
                card.set_figures(None, memory_digits(sample.host_memory_bytes))

    def show_result(self, result: LessonResult) -> None:
        """The measured figures: headline digits and the results table."""
        self.result = result
        self.set_status(summary(result))
        for kind in UnitKind:
            unit = result.units.get(kind)
            card = self.card(kind)
            card.border_title = column_title(kind, unit, result.accelerator)
            host = unit.host_memory_bytes if unit is not None and unit.available else None
            card.set_figures(ready_digits(unit), memory_digits(host))
            if unit is not None and not unit.available:
                card.set_phase(f"unavailable: {unit.note}" if unit.note else "unavailable")
        grid = self.query_one("#lesson-results", FigureGrid)
        grid.show(result_grid(result), list(UnitKind))
        grid.display = True
        self.show_bars()

    def stopped(self, error: str = "") -> None:
        """The three were stopped (or the run failed): no live rows; the results stay."""
        self.show_samples([])
        for kind in UnitKind:
            if self.phases.get(kind) != "unavailable":
                self.card(kind).set_phase("stopped")
        if error:
            self.set_status(Text(f"The lesson stopped: {error}", style="bold"))
        elif self.result is not None:
            self.set_status(f"{summary(self.result)} · stopped")
        else:
            self.set_status(self.idle_text)

    def show_last(self, result: LessonResult, again: str = "") -> None:
        """No lesson runs: the last one's figures, dated, rather than dashes."""
        self.show_result(result)
        self.show_samples([])
        for kind in UnitKind:
            unit = result.units.get(kind)
            if unit is None or unit.available:
                self.card(kind).set_phase("last measured")
        self.set_status(f"{summary(result)} · the last lesson{again}")

    def show_watched(self, watched: Watched) -> None:
        """The lab's lesson as its runner published it: the same cards, live rows and table;
        "ended" when its runner is gone while it ran; one line when it cannot be read."""
        if watched.error:
            self.set_status(Text(f"The class's lesson cannot be shown: {watched.error}"))
            return
        state = watched.state
        if state is None:
            return
        if state.run_id != self.watched_run:
            self.watched_run = state.run_id
            self.started(" in another dashboard" if watched.running else "")
        for kind, (phase, note) in state.phases.items():
            if self.result is None or phase in ("stopped", "failed"):
                self.show_phase(kind, phase, note)
        if state.result is not None and state.result != self.result:
            self.show_result(state.result)
        if watched.ended:
            self.stopped()
            for kind in UnitKind:
                self.card(kind).set_phase("ended")
            self.set_status(
                Text("The lesson ended: the dashboard that ran it is gone.", style="bold")
            )
        elif not state.under_way:
            self.stopped(state.error)
        else:
            self.show_samples(state.samples)
            if state.result is not None:
                self.set_status(f"{summary(state.result)} · idle until x, in another dashboard")

    def sources_text(self) -> str:
        """The versions behind the measured figures (for the citations line)."""
        return versions_line(self.result) if self.result is not None else ""
