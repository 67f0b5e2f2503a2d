"""The containers pane: a live table (filter, sort, all/running) and the selected one's stats."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Sparkline, Static

from tui.engine.actions import ContainerAction, parse_action
from tui.engine.compose import group_projects, project_name
from tui.engine.containers import ContainerInfo
from tui.engine.stats.api import StatsSample
from tui.preferences import ContainersView
from tui.views.containers.project_rows import ONE_CONTAINER_ONLY, ProjectRows
from tui.views.formats import plain
from tui.views.guards import unless_removed
from tui.views.messages import InspectRequested
from tui.views.presentation import (
    STATS_COLUMNS,
    container_cells,
    container_rank,
    grouped_order,
    project_key,
    project_of_key,
    project_stats_labels,
    running_samples,
    stats_labels,
    summed,
)
from tui.views.read_only import hidden
from tui.views.widgets.keyed_table import KeyedTable, LazyRows

HISTORY = 120  # samples kept per container for the sparklines (two minutes)
# New samples are drawn this soon after they arrive, so that samples arriving together (API
# streams deliver one container at a time) are drawn together...
STATS_FLUSH_SECONDS = 0.1
# ...but not sooner than this after the last flush that changed the table: any change to a
# DataTable redraws all its visible rows, and 100 busy streams would otherwise redraw it
# twenty times a second.
STATS_REDRAW_GAP = 0.5
# Stats columns keep a fixed width, as `docker stats` and ctop do: the table does not shift
# sideways as figures grow and shrink, and its layout no longer depends on when DataTable
# remeasures. Enough for "1600.00%", "99.99MiB / 23.54GiB" and "10.3kB / 7.95kB"; a longer
# figure is cut at the right.
STATS_WIDTHS = {"cpu": 8, "mem": 19, "net": 15, "block": 15}
EMPTY_HINT = (
    "No containers on this engine yet. For a few labelled samples to look at, run "
    "[b]./lab demo up[/b] or pick [b]Start demo containers[/b] in the palette ([b]ctrl+p[/b]); "
    "[b]./lab demo down[/b] removes them again."
)
# The columns in the order shown by default: CPU and memory next to the state, so that they
# fit in a 100-column terminal; the preferences' `columns` list shows its own choice and order.
COLUMNS = [
    ("host", "Host"),  # shown only when the dashboard watches several engines
    ("name", "Name"),
    ("state", "State"),
    ("cpu", "CPU %"),
    ("mem", "Memory"),
    ("image", "Image"),
    ("status", "Status"),
    ("ports", "Ports"),
    ("net", "Net I/O"),
    ("block", "Block I/O"),
]
# The order of a row's cells as presentation.container_cells builds them.
ALL_COLUMNS = ["host", "name", "image", "state", "status", "ports", "cpu", "mem", "net", "block"]


class ContainersPane(ProjectRows):
    """Every container, updated in place, with CPU and memory history of the selected one.

    Compose projects are grouped under foldable header rows (see ProjectRows).
    """

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    BINDINGS = [  # noqa: RUF012
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("a", "toggle_all", "All/running", id="toggle_all"),
        Binding("o", "sort_next", "Sort", id="sort"),
        Binding("O", "sort_reverse", "Reverse", show=False, id="sort_reverse"),
        Binding("enter", "request('detail')", "Detail", id="detail"),
        Binding("i", "inspect", "Inspect", id="inspect"),
        Binding("l", "request('logs')", "Logs", id="logs"),
        Binding("e", "request('shell')", "Shell", id="shell"),
        Binding("u", "request('start')", "Start", id="start"),
        Binding("t", "request('stop')", "Stop", id="stop"),
        Binding("r", "request('restart')", "Restart", id="restart"),
        Binding("K", "request('kill')", "Kill", id="kill"),
        Binding("p", "request('pause')", "Pause/unpause", show=False, id="pause"),
        Binding("D,delete", "request('remove')", "Remove", id="remove"),
        Binding("U", "recreate", "Up/recreate", id="recreate"),  # on a project's rows only
        Binding("z", "fold", "Fold project", show=False, id="fold"),
        Binding("space", "toggle_mark", "Mark", show=False, id="mark"),
        Binding("L", "merged_logs", "Merged logs", show=False, id="merged_logs"),
    ]

    @dataclass(eq=False)
    class Requested(Message):
        """The user asked for `action` on a container (`container_ids`: a project's, for logs;
        empty when only `container_id` is meant)."""

        action: ContainerAction
        container_id: str
        container_ids: tuple[str, ...] = ()

    @dataclass(eq=False)
    class MergedLogsRequested(Message):
        """The user asked for the logs of several containers merged in one view."""

        container_ids: list[str]
        title: str

    def __init__(
        self,
        clock: Callable[[], datetime],
        take_samples: Callable[[], Iterable[StatsSample]] = tuple,
        view: ContainersView | None = None,
        *,
        several_engines: bool = False,
        on_shown: Callable[[set[str]], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """`view` (from the preferences) sets the columns shown and the first sort; with
        `several_engines` a Host column shows; `on_shown` hears which containers are on screen."""
        super().__init__(**kwargs)
        view = view or ContainersView()
        default = [key for key, _ in COLUMNS if key != "host"]
        self.use_columns(list(view.columns or default), hosts=several_engines)
        self.clock = clock
        self.take_samples = take_samples  # the samples waiting to be drawn, taken by the flush
        self.history: dict[str, tuple[deque[float], deque[float]]] = {}
        self.show_all = True
        self.filter_text = ""
        self.sort_column = view.sort
        self.sort_reverse = view.reverse
        self.fresh: set[str] = set()  # containers with a sample not drawn yet
        self.changed: set[str] = set()  # containers whose row must be redrawn, even out of view
        self.flush_timer: Timer | None = None
        self.last_redraw = 0.0  # monotonic time of the last flush that changed the table
        self.loaded = False  # a list came from the engine (an empty one shows the hint)
        self.engine_filter: str | None = None  # one engine's containers only (`H` cycles)
        self.on_shown = on_shown
        self.last_shown: set[str] = set()
        self.marked: set[str] = set()  # containers marked with space (for merged logs)

    def use_columns(self, keys: list[str], hosts: bool) -> None:
        """Show these columns in this order, with a Host column first when `hosts` asks for one
        that `keys` does not place."""
        labels = dict(COLUMNS)
        wanted = [*(["host"] if hosts and "host" not in keys else []), *keys]
        self.shown_columns = [(key, labels[key]) for key in wanted]
        self._cell_index = [ALL_COLUMNS.index(key) for key, _ in self.shown_columns]

    def show_hosts(self) -> None:
        """Another engine is watched now: a Host column comes first (every row is redrawn)."""
        keys = [key for key, _ in self.shown_columns]
        if "host" in keys:
            return
        self.use_columns(keys, hosts=True)
        table, keep = self.table, self.table.cursor_key
        table.clear(columns=True)
        self.add_columns(table)
        self.refresh_rows()
        table.follow(keep)

    def add_columns(self, table: KeyedTable) -> None:
        """The columns shown, in order."""
        for key, label in self.shown_columns:
            table.add_column(label, key=key, width=STATS_WIDTHS.get(key))

    def compose(self) -> ComposeResult:
        """The filter box (hidden until `/`), the table and the stats panel."""
        yield Input(placeholder="filter: name, image, id or state", id="container-filter")
        yield Static(EMPTY_HINT, id="containers-empty")
        table = KeyedTable(unique_column="name", id="containers-table")
        self.add_columns(table)
        yield table
        with Horizontal(id="stats-panel"):
            with Vertical(classes="spark"):
                yield Label("CPU", id="cpu-label")
                yield Sparkline([], id="cpu-spark")
            with Vertical(classes="spark"):
                yield Label("Memory", id="mem-label")
                yield Sparkline([], id="mem-spark")

    def on_mount(self) -> None:
        """Rows scrolled into view are drawn then (see refresh_rows)."""
        self.watch(self.table, "scroll_y", self.scrolled, init=False)

    def on_resize(self) -> None:
        """More rows may be in view."""
        self.scrolled()

    @property
    def table(self) -> KeyedTable:
        """The containers table."""
        return self.query_one("#containers-table", KeyedTable)

    @property
    def selected_id(self) -> str | None:
        """The id of the container under the cursor (None on a project's header row)."""
        key = self.table.cursor_key
        return None if project_of_key(key) is not None else key

    # Data in -----------------------------------------------------------------------------

    def set_containers(self, infos: list[ContainerInfo], engine: str | None = None) -> None:
        """Replace the whole list of one engine (every one when `engine` is None)."""
        kept = {
            cid: info
            for cid, info in self.infos.items()
            if engine is not None and info.engine not in (engine, "")
        }
        infos_now = {**kept, **{info.id: info for info in infos}}
        self.changed |= {cid for cid, info in infos_now.items() if self.infos.get(cid) != info}
        self.infos = infos_now
        self.loaded = True
        for gone in set(self.samples) - self.infos.keys():
            self.forget(gone)
        self.refresh_rows()

    def set_container(self, container_id: str, info: ContainerInfo | None) -> None:
        """One container changed, or was removed (info None)."""
        if info is None:
            self.infos.pop(container_id, None)
            self.forget(container_id)
        else:
            self.infos[container_id] = info
            self.changed.add(container_id)
            if not info.is_running:
                self.samples.pop(container_id, None)
        self.refresh_rows()

    def forget(self, container_id: str) -> None:
        """Drop a container's stats and history."""
        self.samples.pop(container_id, None)
        self.history.pop(container_id, None)

    def add_samples(self, samples: Iterable[StatsSample]) -> None:
        """Keep the latest samples and the history; the next flush or refresh draws them."""
        for sample in samples:
            if sample.container_id not in self.infos:
                continue
            self.samples[sample.container_id] = sample
            cpu, mem = self.history.setdefault(
                sample.container_id, (deque(maxlen=HISTORY), deque(maxlen=HISTORY))
            )
            cpu.append(sample.cpu_percent)
            mem.append(sample.memory_percent)
            self.fresh.add(sample.container_id)

    def samples_waiting(self) -> None:
        """Samples wait to be taken: flush within STATS_FLUSH_SECONDS, or after the redraw gap."""
        if self.flush_timer is None:
            now = time.monotonic()
            delay = max(STATS_FLUSH_SECONDS, self.last_redraw + STATS_REDRAW_GAP - now)
            self.flush_timer = self.set_timer(delay, self.flush_stats)

    @unless_removed
    def flush_stats(self) -> None:
        """Draw the new samples of the rows in view; the others are drawn when scrolled to."""
        self.flush_timer = None
        self.add_samples(self.take_samples())
        fresh, self.fresh = self.fresh, set()
        if not fresh & self.infos.keys():
            return
        rows = self.lazy_rows(list(self.table.row_keys()))
        with self.app.batch_update():
            if self.sort_column in STATS_COLUMNS:
                self.table.order(self.place_of(self.order_rows()))
            changed = self.table.update_on_screen(rows)
        if changed:
            self.last_redraw = time.monotonic()
        project = self.selected_project
        if self.selected_id in fresh or (
            project is not None and any(self.project_of(cid) == project for cid in fresh)
        ):
            self.show_stats()

    # Rendering ---------------------------------------------------------------------------

    def passes_filter(self, info: ContainerInfo) -> bool:
        """Whether the toggle and the filter let `info` through (its project's name matches too)."""
        if not self.show_all and not info.is_running:
            return False
        if self.engine_filter is not None and info.engine != self.engine_filter:
            return False
        needle = self.filter_text.lower()
        project = project_name(info) or ""
        haystack = (info.name, info.image, info.id[: max(12, len(needle))], info.state, project)
        return not needle or any(needle in field.lower() for field in haystack)

    def order_rows(self) -> list[str]:
        """The row keys to show, in order: projects grouped under their header rows."""
        shown = [cid for cid, info in self.infos.items() if self.passes_filter(info)]
        return grouped_order(shown, self.rank, self.sort_reverse, self.project_of, self.folded)

    @staticmethod
    def place_of(order: list[str]) -> Callable[[str], int]:
        """A sort key that puts rows in `order` (the table sorts ascending by it)."""
        return {key: place for place, key in enumerate(order)}.__getitem__

    def cells(self, info: ContainerInfo) -> list[Any]:
        """The row of one container (the columns shown)."""
        return self.shown(self.all_cells(info))

    def shown(self, every: list[Any]) -> list[Any]:
        """The cells of the columns shown, from a row of every column (ALL_COLUMNS order)."""
        return [every[index] for index in self._cell_index]

    def all_cells(self, info: ContainerInfo) -> list[Any]:
        """Every column's cell of one container, in ALL_COLUMNS order."""
        sample = self.samples.get(info.id) if info.is_running else None
        cells = container_cells(info, sample, self.clock())
        cells[1] = self.name_cell(info)  # the name, with its mark
        return cells

    def rank(self, container_id: str) -> Any:
        """The sort key of a container for the current sort column."""
        info = self.infos[container_id]
        return container_rank(info, self.samples.get(container_id), self.sort_column, self.clock())

    def lazy_rows(self, keys: list[str]) -> LazyRows:
        """The rows of `keys`, each row's cells computed only when the table asks."""
        return LazyRows(keys, self.row_cells)

    @unless_removed
    def refresh_rows(self) -> None:
        """Bring the table in line with the data, in place, cursor kept on its container.

        Rows out of view change only when their container did (not for a new sample or an
        uptime): they are brought up to date when they scroll into view.
        """
        self.fresh.clear()  # drawn here, or when scrolled to
        self.projects = group_projects(self.infos.values())
        order = self.order_rows()
        changed, self.changed = self.changed, set()
        changed |= {project_key(p) for cid in changed if (p := self.project_of(cid)) is not None}
        with self.app.batch_update():
            self.table.sync(self.lazy_rows(order), self.place_of(order), changed=changed)
            self._label_sorted_column()
        self.query_one("#containers-empty", Static).set_class(
            self.loaded and not self.infos, "shown"
        )
        self.show_stats()
        self.report_shown()

    def rows_on_screen(self) -> set[str]:
        """The containers whose rows the table shows now (not the project headers)."""
        return {key for key in self.table.keys_on_screen() if key in self.infos}

    def scrolled(self) -> None:
        """Rows came into view: draw what they missed, and stream the stats of those shown."""
        with self.app.batch_update():
            self.table.update_on_screen(self.lazy_rows(list(self.table.row_keys())))
        self.report_shown()

    def report_shown(self) -> None:
        """Tell `on_shown` which containers are on screen (and the selected one) when it changes."""
        shown = self.rows_on_screen()
        if self.selected_id in self.infos:
            shown.add(str(self.selected_id))
        if shown != self.last_shown and self.on_shown is not None:
            self.last_shown = shown
            self.on_shown(shown)

    def _label_sorted_column(self) -> None:
        changed = False
        for key, label in self.shown_columns:
            column = self.table.columns[key]  # type: ignore[index]
            arrow = (" ▼" if self.sort_reverse else " ▲") if key == self.sort_column else ""
            if column.label.plain != label + arrow:
                column.label = Text(label + arrow)
                changed = True
        if changed:  # an unconditional refresh would redraw the table every second
            self.table.refresh()

    def show_stats(self) -> None:
        """Show the selected container's CPU and memory history, or its project's, summed."""
        self.offer_project_keys()
        project = self.projects.get(self.selected_project or "")
        if project is not None:
            live = running_samples(project, self.infos, self.samples)
            cpu_label, mem_label = project_stats_labels(project.name, live)
            running = [i.id for i in project.containers(self.infos) if i.is_running]
            histories = [self.history[cid] for cid in running if cid in self.history]
            cpu = summed(cpu for cpu, _ in histories)
            mem = summed(mem for _, mem in histories)
        else:
            cid = self.selected_id or ""
            name = self.infos[cid].name if cid in self.infos else ""
            cpu_label, mem_label = stats_labels(name, self.samples.get(cid))
            cpu, mem = (list(series) for series in self.history.get(cid, ((), ())))
        _set_label(self.query_one("#cpu-label", Label), cpu_label)
        _set_label(self.query_one("#mem-label", Label), mem_label)
        self.query_one("#cpu-spark", Sparkline).data = cpu
        self.query_one("#mem-spark", Sparkline).data = mem

    # User actions ------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#containers-table")
    def _highlighted(self) -> None:
        self.show_stats()

    @on(DataTable.RowSelected, "#containers-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_request("detail")

    @on(DataTable.HeaderSelected, "#containers-table")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        key = event.column_key.value or "name"
        self.sort_reverse = not self.sort_reverse if key == self.sort_column else False
        self.sort_column = key
        self.refresh_rows()

    @on(Input.Changed, "#container-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.refresh_rows()

    @on(Input.Submitted, "#container-filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def key_escape(self) -> None:
        """Escape in the filter box clears and hides it."""
        box = self.query_one("#container-filter", Input)
        if box.has_focus or box.value:
            box.value = ""
            box.remove_class("shown")
            self.table.focus()

    def action_filter(self) -> None:
        """Show the filter box and type into it."""
        box = self.query_one("#container-filter", Input)
        box.add_class("shown")
        box.focus()

    def action_toggle_all(self) -> None:
        """Toggle between all containers and running ones only."""
        self.show_all = not self.show_all
        self.notify("showing all containers" if self.show_all else "showing running containers")
        self.refresh_rows()

    def action_sort_next(self) -> None:
        """Sort by the next column."""
        keys = [key for key, _ in self.shown_columns]
        at = keys.index(self.sort_column) if self.sort_column in keys else -1
        self.sort_column = keys[(at + 1) % len(keys)]
        self.refresh_rows()

    def action_sort_reverse(self) -> None:
        """Reverse the sort order."""
        self.sort_reverse = not self.sort_reverse
        self.refresh_rows()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys read-only mode refuses, the project key away from a compose project's
        rows, and the keys of one container on a project's header."""
        if hidden(self, action, parameters):
            return False
        if action == "recreate":
            return self.on_project_row
        if action == "request" and parameters and parameters[0] in ONE_CONTAINER_ONLY:
            return not self.on_header_row
        return True

    def action_inspect(self) -> None:
        """Open the raw inspect view of the selected container."""
        info = self.infos.get(self.selected_id or "")
        if info is not None:
            self.post_message(InspectRequested("container", info.id, info.name))

    def action_request(self, action: str) -> None:
        """Ask the app to run `action` on the selected container (or project, on its header)."""
        project = self.selected_project
        if project is not None:
            self.project_request(action, project)
            return
        cid = self.selected_id
        if cid is None:
            self.notify("no container selected", severity="warning")
            return
        self.post_message(self.Requested(parse_action(action), cid))

    def request_project_logs(self, project: str) -> None:
        """`l` on a project's header: the logs request, with every container of the project."""
        found = self.projects.get(project)
        ids = tuple(info.id for info in found.containers(self.infos)) if found else ()
        if ids:
            self.post_message(self.Requested(ContainerAction.LOGS, ids[0], container_ids=ids))

    # Marks and merged logs -----------------------------------------------------------------

    def name_cell(self, info: ContainerInfo) -> str:
        """The name, with a tick when the container is marked."""
        return f"✓ {info.name}" if info.id in self.marked else info.name

    def action_toggle_mark(self) -> None:
        """Mark or unmark the selected container (L then merges the marked ones' logs)."""
        cid = self.selected_id
        if cid is not None:
            self.marked ^= {cid}
            self.refresh_rows()

    def action_merged_logs(self) -> None:
        """Ask for the merged logs of the marked containers, else of the project under the cursor
        (its header or one of its containers)."""
        marked = [cid for cid in self.infos if cid in self.marked]
        if marked:
            self.post_message(self.MergedLogsRequested(marked, f"{len(marked)} marked"))
            return
        project = self.row_project()
        if not project:
            self.notify(
                "not part of a compose project: mark containers with space, then press L",
                severity="warning",
            )
            return
        ids = [i.id for i in self.infos.values() if project_name(i) == project]
        self.post_message(self.MergedLogsRequested(ids, f"project {project}"))


def _set_label(label: Label, text: str) -> None:
    """Update a fixed-size label only when its text changes, without a layout pass (the text
    names a container or project: never markup)."""
    shown = plain(text)
    if str(label.render()) != shown.plain:
        label.update(shown, layout=False)
