"""The containers pane: a live table (filter, sort, all/running) and the selected one's stats."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Sparkline, Static

from tui.engine.containers import ContainerInfo
from tui.engine.stats import StatsSample
from tui.views.keyed_table import KeyedTable
from tui.views.lifecycle import unless_removed
from tui.views.read_only import CONTAINER_CHANGES, is_read_only

HISTORY = 120  # samples kept per container for the sparklines (two minutes)
# New samples are drawn this soon after they arrive, so that samples arriving together (API
# streams deliver one container at a time) are drawn together...
STATS_FLUSH_SECONDS = 0.1
# ...but not sooner than this after the last flush that changed the table: any change to a
# DataTable redraws all its visible rows, and 100 busy streams would otherwise redraw it
# twenty times a second.
STATS_REDRAW_GAP = 0.5
STATS_COLUMNS = ("cpu", "mem", "net", "block")
# Stats columns keep a fixed width, as `docker stats` and ctop do: the table does not shift
# sideways as figures grow and shrink, and its layout no longer depends on when DataTable
# remeasures. Enough for "1600.00%", "99.9MiB / 1.5GiB" and "12.3MB / 999kB"; a longer figure
# is cut at the right.
STATS_WIDTHS = {"cpu": 8, "mem": 17, "net": 13, "block": 13}
STATE_STYLES = {
    "running": "bold green",
    "paused": "yellow",
    "restarting": "bold yellow",
    "created": "cyan",
    "exited": "red",
    "dead": "bold red",
    "removing": "magenta",
}
EMPTY_HINT = (
    "No containers on this engine yet. For a few labelled samples to look at, run "
    "[b]./lab demo up[/b] or pick [b]Start demo containers[/b] in the palette ([b]ctrl+p[/b]); "
    "[b]./lab demo down[/b] removes them again."
)
COMPOSE_PROJECT = "com.docker.compose.project"
STATE_ORDER = ["running", "restarting", "paused", "created", "exited", "dead", "removing"]
COLUMNS = [
    ("name", "Name"),
    ("image", "Image"),
    ("state", "State"),
    ("status", "Status"),
    ("ports", "Ports"),
    ("cpu", "CPU %"),
    ("mem", "Memory"),
    ("net", "Net I/O"),
    ("block", "Block I/O"),
]


class ContainersPane(Vertical):
    """Every container, updated in place, with CPU and memory history of the selected one."""

    BINDINGS = [  # noqa: RUF012
        Binding("slash", "filter", "Filter"),
        Binding("a", "toggle_all", "All/running"),
        Binding("o", "sort_next", "Sort"),
        Binding("O", "sort_reverse", "Reverse", show=False),
        Binding("enter", "request('detail')", "Detail"),
        Binding("l", "request('logs')", "Logs"),
        Binding("e", "request('shell')", "Shell"),
        Binding("u", "request('start')", "Start"),
        Binding("t", "request('stop')", "Stop"),
        Binding("r", "request('restart')", "Restart"),
        Binding("K", "request('kill')", "Kill"),
        Binding("p", "request('pause')", "Pause/unpause", show=False),
        Binding("D,delete", "request('remove')", "Remove"),
        Binding("space", "toggle_mark", "Mark", show=False),
        Binding("L", "merged_logs", "Merged logs", show=False),
    ]

    class Requested(Message):
        """The user asked for `action` on a container."""

        def __init__(self, action: str, container_id: str) -> None:
            super().__init__()
            self.action = action
            self.container_id = container_id

    class MergedLogsRequested(Message):
        """The user asked for the logs of several containers merged in one view."""

        def __init__(self, container_ids: list[str], title: str) -> None:
            super().__init__()
            self.container_ids = container_ids
            self.title = title

    def __init__(
        self,
        clock: Callable[[], datetime],
        take_samples: Callable[[], Iterable[StatsSample]] = tuple,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.take_samples = take_samples  # the samples waiting to be drawn, taken by the flush
        self.infos: dict[str, ContainerInfo] = {}
        self.samples: dict[str, StatsSample] = {}
        self.history: dict[str, tuple[deque[float], deque[float]]] = {}
        self.show_all = True
        self.filter_text = ""
        self.sort_column = "state"
        self.sort_reverse = False
        self.fresh: set[str] = set()  # containers with a sample not drawn yet
        self.flush_timer: Timer | None = None
        self.last_redraw = 0.0  # monotonic time of the last flush that changed the table
        self.loaded = False  # a list came from the engine (an empty one shows the hint)
        self.marked: set[str] = set()  # containers marked with space (for merged logs)

    def compose(self) -> ComposeResult:
        """The filter box (hidden until `/`), the table and the stats panel."""
        yield Input(placeholder="filter: name, image, id or state", id="container-filter")
        yield Static(EMPTY_HINT, id="containers-empty")
        table = KeyedTable(unique_column="name", id="containers-table")
        for key, label in COLUMNS:
            table.add_column(label, key=key, width=STATS_WIDTHS.get(key))
        yield table
        with Horizontal(id="stats-panel"):
            with Vertical(classes="spark"):
                yield Label("CPU", id="cpu-label")
                yield Sparkline([], id="cpu-spark")
            with Vertical(classes="spark"):
                yield Label("Memory", id="mem-label")
                yield Sparkline([], id="mem-spark")

    @property
    def table(self) -> KeyedTable:
        """The containers table."""
        return self.query_one("#containers-table", KeyedTable)

    @property
    def selected_id(self) -> str | None:
        """The id of the container under the cursor."""
        return self.table.cursor_key

    # Data in -----------------------------------------------------------------------------

    def set_containers(self, infos: list[ContainerInfo]) -> None:
        """Replace the whole list (after a load or a reconnect)."""
        self.infos = {info.id: info for info in infos}
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
        """Draw the stats cells of the containers with new samples (only theirs)."""
        self.flush_timer = None
        self.add_samples(self.take_samples())
        fresh, self.fresh = self.fresh, set()
        shown = self.table.row_keys()
        rows = {cid: self.cells(self.infos[cid]) for cid in fresh & shown if cid in self.infos}
        if not rows:
            return
        with self.app.batch_update():
            changed = [self.table.upsert(cid, cells) for cid, cells in rows.items()]
            if self.sort_column in STATS_COLUMNS:
                self.table.order(self.rank, self.sort_reverse)
        if any(changed):
            self.last_redraw = time.monotonic()
        if self.selected_id in rows:
            self.show_stats()

    # Rendering ---------------------------------------------------------------------------

    def passes_filter(self, info: ContainerInfo) -> bool:
        """Whether the toggle and the filter let `info` through."""
        if not self.show_all and not info.is_running:
            return False
        needle = self.filter_text.lower()
        haystack = (info.name, info.image, info.id[: max(12, len(needle))], info.state)
        return not needle or any(needle in field.lower() for field in haystack)

    def cells(self, info: ContainerInfo) -> list[Any]:
        """The row of one container."""
        sample = self.samples.get(info.id) if info.is_running else None
        state = Text(info.state, style=STATE_STYLES.get(info.state, ""))
        if info.health:
            state.append(f" ({info.health})", style="dim")
        stats = (
            [sample.cpu_text, sample.memory_text, sample.net_text, sample.block_text]
            if sample
            else ["-", "-", "-", "-"]
        )
        name = self.name_cell(info)
        return [name, info.image, state, info.status_text(self.clock()), info.ports, *stats]

    def rank(self, container_id: str) -> Any:
        """The sort key of a container for the current sort column."""
        info = self.infos[container_id]
        sample = self.samples.get(container_id)
        column = self.sort_column
        if column == "state":
            order = STATE_ORDER.index(info.state) if info.state in STATE_ORDER else 99
            return (order, info.name)
        if column == "status":
            return (info.started_at or info.created or self.clock()).timestamp()
        if column in STATS_COLUMNS:
            if sample is None:
                return (-1.0, info.name)
            value = {
                "cpu": sample.cpu_percent,
                "mem": float(sample.memory),
                "net": float(sample.net_rx + sample.net_tx),
                "block": float(sample.block_read + sample.block_write),
            }[column]
            return (value, info.name)
        return (str(getattr(info, column, "")).lower(), info.name)

    @unless_removed
    def refresh_rows(self) -> None:
        """Bring the table in line with the data, in place, cursor kept on its container."""
        self.fresh.clear()  # drawn here
        rows = {
            cid: self.cells(info) for cid, info in self.infos.items() if self.passes_filter(info)
        }
        with self.app.batch_update():
            self.table.sync(rows, self.rank, self.sort_reverse)
            self._label_sorted_column()
        self.query_one("#containers-empty", Static).set_class(
            self.loaded and not self.infos, "shown"
        )
        self.show_stats()

    def _label_sorted_column(self) -> None:
        changed = False
        for key, label in COLUMNS:
            column = self.table.columns[key]  # type: ignore[index]
            arrow = (" ▼" if self.sort_reverse else " ▲") if key == self.sort_column else ""
            if column.label.plain != label + arrow:
                column.label = Text(label + arrow)
                changed = True
        if changed:  # an unconditional refresh would redraw the table every second
            self.table.refresh()

    def show_stats(self) -> None:
        """Show the selected container's CPU and memory history."""
        cid = self.selected_id
        cpu, mem = self.history.get(cid or "", ((), ()))
        sample = self.samples.get(cid or "")
        name = self.infos[cid].name if cid in self.infos else ""
        cpu_text = f"CPU {sample.cpu_text}" if sample else "CPU -"
        mem_text = (
            f"Memory {sample.memory_text} ({sample.memory_percent:.1f}%)" if sample else "Memory -"
        )
        _set_label(self.query_one("#cpu-label", Label), f"{name}  {cpu_text}")
        _set_label(self.query_one("#mem-label", Label), mem_text)
        self.query_one("#cpu-spark", Sparkline).data = list(cpu)
        self.query_one("#mem-spark", Sparkline).data = list(mem)

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
        keys = [key for key, _ in COLUMNS]
        self.sort_column = keys[(keys.index(self.sort_column) + 1) % len(keys)]
        self.refresh_rows()

    def action_sort_reverse(self) -> None:
        """Reverse the sort order."""
        self.sort_reverse = not self.sort_reverse
        self.refresh_rows()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys that change a container in read-only mode."""
        changes = action == "request" and bool(parameters) and parameters[0] in CONTAINER_CHANGES
        return not (changes and is_read_only(self))

    def action_request(self, action: str) -> None:
        """Ask the app to run `action` on the selected container."""
        cid = self.selected_id
        if cid is None:
            self.notify("no container selected", severity="warning")
            return
        self.post_message(self.Requested(action, cid))

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
        """Ask for the merged logs of the marked containers, or of the selected one's project."""
        marked = [cid for cid in self.infos if cid in self.marked]
        if marked:
            self.post_message(self.MergedLogsRequested(marked, f"{len(marked)} marked"))
            return
        cid = self.selected_id
        info = self.infos.get(cid or "")
        project = info.labels.get(COMPOSE_PROJECT, "") if info else ""
        if not project:
            self.notify(
                "not part of a compose project: mark containers with space, then press L",
                severity="warning",
            )
            return
        ids = [i.id for i in self.infos.values() if i.labels.get(COMPOSE_PROJECT) == project]
        self.post_message(self.MergedLogsRequested(ids, f"project {project}"))


def _set_label(label: Label, text: str) -> None:
    """Update a fixed-size label only when its text changes, without a layout pass."""
    if str(label.render()) != text:
        label.update(text, layout=False)
