"""The containers pane: a live table (filter, sort, all/running, compose projects folded under
their header rows) and the selected row's stats. What it shows is a ContainerRows (rows.py);
the pane draws it and turns keys into requests (container and project actions, logs)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Sparkline, Static

from tui.engine.actions import ContainerAction, parse_action
from tui.engine.compose import ProjectAction
from tui.engine.containers import ContainerInfo
from tui.engine.stats.api import StatsSample
from tui.preferences import ContainersView
from tui.views.containers.projects import ONE_CONTAINER_ONLY, PROJECT_KEYS
from tui.views.containers.rows import ContainerRows
from tui.views.containers.table import ContainersTable
from tui.views.formats import plain
from tui.views.guards import unless_removed
from tui.views.messages import InspectRequested, LogsRequested
from tui.views.presentation import (
    STATS_COLUMNS,
    project_key,
    project_of_key,
)
from tui.views.read_only import hidden
from tui.views.widgets.boxes import open_box
from tui.views.widgets.keyed_table import LazyRows

# New samples are drawn this soon after they arrive, so that samples arriving together (API
# streams deliver one container at a time) are drawn together...
STATS_FLUSH_SECONDS = 0.1
# ...but not sooner than this after the last flush that changed the table: any change to a
# DataTable redraws all its visible rows, and 100 busy streams would otherwise redraw it
# twenty times a second.
STATS_REDRAW_GAP = 0.5
EMPTY_HINT = (
    "No containers on this engine yet. For a few labelled samples to look at, run "
    "[b]./lab demo up[/b] or pick [b]Start demo containers[/b] in the palette ([b]ctrl+p[/b]); "
    "[b]./lab demo down[/b] removes them again."
)


class ContainersPane(Vertical):
    """Every container, updated in place, with CPU and memory history of the selected one."""

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
        """The user asked for `action` on a container (logs are a LogsRequested)."""

        action: ContainerAction
        container_id: str

    @dataclass(eq=False)
    class ProjectRequested(Message):
        """The user asked for `action` on the compose project `project`."""

        action: ProjectAction
        project: str

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
        self.column_choice = (list(view.columns) if view.columns else None, several_engines)
        self.clock = clock
        self.rows = ContainerRows(clock, view.sort, view.reverse)
        self.take_samples = take_samples  # the samples waiting to be drawn, taken by the flush
        self.fresh: set[str] = set()  # containers with a sample not drawn yet
        self.changed: set[str] = set()  # containers whose row must be redrawn, even out of view
        self.flush_timer: Timer | None = None
        self.last_redraw = 0.0  # monotonic time of the last flush that changed the table
        self.on_shown = on_shown
        self.last_shown: set[str] = set()
        self.on_project_row = False  # the footer offers the project keys
        self.on_header_row = False  # ...and not the keys of one container

    def show_hosts(self) -> None:
        """Another engine is watched now: a Host column comes first (every row is redrawn)."""
        table, keep = self.table, self.table.cursor_key
        if table.show_hosts():
            self.refresh_rows()
            table.follow(keep)

    def compose(self) -> ComposeResult:
        """The filter box (hidden until `/`), the table and the stats panel."""
        yield Input(placeholder="filter: name, image, id or state", id="container-filter")
        yield Static(EMPTY_HINT, id="containers-empty")
        keys, hosts = self.column_choice
        yield ContainersTable(keys, hosts=hosts, id="containers-table")
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
    def table(self) -> ContainersTable:
        """The containers table."""
        return self.query_one("#containers-table", ContainersTable)

    @property
    def selected_id(self) -> str | None:
        """The id of the container under the cursor (None on a project's header row)."""
        key = self.table.cursor_key
        return None if project_of_key(key) is not None else key

    @property
    def selected_project(self) -> str | None:
        """The compose project whose header row is under the cursor."""
        return project_of_key(self.table.cursor_key)

    def row_project(self) -> str | None:
        """The project of the row under the cursor: its header's or its container's."""
        return self.rows.groups.of_row(self.table.cursor_key, self.rows.infos)

    # Data in -----------------------------------------------------------------------------

    def set_containers(self, infos: list[ContainerInfo], engine: str | None = None) -> None:
        """Replace the whole list of one engine (every one when `engine` is None)."""
        self.changed |= self.rows.replace(infos, engine)
        self.refresh_rows()

    def set_container(self, container_id: str, info: ContainerInfo | None) -> None:
        """One container changed, or was removed (info None)."""
        self.rows.update(container_id, info)
        if info is not None:
            self.changed.add(container_id)
        self.refresh_rows()

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
        self.fresh |= self.rows.add_samples(self.take_samples())
        fresh, self.fresh = self.fresh, set()
        if not fresh & self.rows.infos.keys():
            return
        rows = self.lazy_rows(list(self.table.row_keys()))
        with self.app.batch_update():
            if self.rows.sort_column in STATS_COLUMNS:
                self.table.order(self.place_of(self.rows.order()))
            changed = self.table.update_on_screen(rows)
        if changed:
            self.last_redraw = time.monotonic()
        project = self.selected_project
        if self.selected_id in fresh or (
            project is not None and any(self.rows.project_of(cid) == project for cid in fresh)
        ):
            self.show_stats()

    # Rendering ---------------------------------------------------------------------------

    @staticmethod
    def place_of(order: list[str]) -> Callable[[str], int]:
        """A sort key that puts rows in `order` (the table sorts ascending by it)."""
        return {key: place for place, key in enumerate(order)}.__getitem__

    def row_cells(self, key: str) -> list[Any]:
        """The cells of a row (a project's header or a container), in the columns shown."""
        return self.table.shown(self.rows.cells(key))

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
        rows = self.rows
        rows.groups.regroup(rows.infos.values())
        order = rows.order()
        changed, self.changed = self.changed, set()
        changed |= {project_key(p) for cid in changed if (p := rows.project_of(cid)) is not None}
        with self.app.batch_update():
            self.table.sync(self.lazy_rows(order), self.place_of(order), changed=changed)
            self.table.label_sorted(rows.sort_column, rows.sort_reverse)
        self.query_one("#containers-empty", Static).set_class(
            rows.loaded and not rows.infos, "shown"
        )
        self.show_stats()
        self.report_shown()

    def rows_on_screen(self) -> set[str]:
        """The containers whose rows the table shows now (not the project headers)."""
        return {key for key in self.table.keys_on_screen() if key in self.rows.infos}

    def scrolled(self) -> None:
        """Rows came into view: draw what they missed, and stream the stats of those shown."""
        with self.app.batch_update():
            self.table.update_on_screen(self.lazy_rows(list(self.table.row_keys())))
        self.report_shown()

    def report_shown(self) -> None:
        """Tell `on_shown` which containers are on screen (and the selected one) when it changes."""
        shown = self.rows_on_screen()
        if self.selected_id in self.rows.infos:
            shown.add(str(self.selected_id))
        if shown != self.last_shown and self.on_shown is not None:
            self.last_shown = shown
            self.on_shown(shown)

    def show_stats(self) -> None:
        """Show the selected container's CPU and memory history, or its project's, summed."""
        self.offer_project_keys()
        cpu_label, mem_label, cpu, mem = self.rows.selection(self.table.cursor_key)
        _set_label(self.query_one("#cpu-label", Label), cpu_label)
        _set_label(self.query_one("#mem-label", Label), mem_label)
        self.query_one("#cpu-spark", Sparkline).data = cpu
        self.query_one("#mem-spark", Sparkline).data = mem

    def offer_project_keys(self) -> None:
        """Show the project keys in the footer only while the cursor is on a project's rows."""
        on_project, on_header = self.row_project() is not None, self.selected_project is not None
        if (on_project, on_header) != (self.on_project_row, self.on_header_row):
            self.on_project_row, self.on_header_row = on_project, on_header
            self.refresh_bindings()

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
        key, rows = event.column_key.value or "name", self.rows
        rows.sort_reverse = not rows.sort_reverse if key == rows.sort_column else False
        rows.sort_column = key
        self.refresh_rows()

    @on(Input.Changed, "#container-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.rows.filter_text = event.value.strip()
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
        open_box(box)

    def action_toggle_all(self) -> None:
        """Toggle between all containers and running ones only."""
        self.rows.show_all = not self.rows.show_all
        self.notify(
            "showing all containers" if self.rows.show_all else "showing running containers"
        )
        self.refresh_rows()

    def action_sort_next(self) -> None:
        """Sort by the next column."""
        keys = self.table.keys
        at = keys.index(self.rows.sort_column) if self.rows.sort_column in keys else -1
        self.rows.sort_column = keys[(at + 1) % len(keys)]
        self.refresh_rows()

    def action_sort_reverse(self) -> None:
        """Reverse the sort order."""
        self.rows.sort_reverse = not self.rows.sort_reverse
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
        info = self.rows.infos.get(self.selected_id or "")
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
        elif parse_action(action) is ContainerAction.LOGS:
            self.post_message(LogsRequested((cid,)))
        else:
            self.post_message(self.Requested(parse_action(action), cid))

    def request_project_logs(self, project: str) -> None:
        """The logs of a project's containers merged in one view (`l` on its header, or `L`)."""
        ids = self.rows.groups.member_ids(project, self.rows.infos)
        if ids:
            self.post_message(LogsRequested(ids, f"project {project}"))

    def project_request(self, action: str, project: str) -> None:
        """A container key on a project's header row: fold, logs, or the project action."""
        if action == "detail":
            self.toggle_fold(project)
        elif action == "logs":
            self.request_project_logs(project)
        elif action in PROJECT_KEYS:
            self.post_message(self.ProjectRequested(PROJECT_KEYS[action], project))
        else:
            self.notify(
                f"{action} works on one container: pick one of {project}'s rows",
                severity="warning",
            )

    def action_recreate(self) -> None:
        """`up -d --force-recreate` the project of the selected row (the app asks first)."""
        project = self.row_project()
        if project is None:
            self.notify("not a compose project's container", severity="warning")
            return
        self.post_message(self.ProjectRequested(ProjectAction.UP, project))

    def action_fold(self) -> None:
        """Fold or unfold the selected project; on one of its containers, fold onto its header."""
        project = self.row_project()
        if project is not None:
            self.toggle_fold(project)

    def toggle_fold(self, project: str) -> None:
        """Show a project as its header only, or with its containers; the cursor stays on it."""
        self.rows.groups.toggle(project)
        self.refresh_rows()
        self.table.follow(project_key(project))

    # Marks and merged logs -----------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        """Mark or unmark the selected container (L then merges the marked ones' logs)."""
        cid = self.selected_id
        if cid is not None:
            self.rows.marked ^= {cid}
            self.refresh_rows()

    def action_merged_logs(self) -> None:
        """Ask for the merged logs of the marked containers, else of the project under the cursor
        (its header or one of its containers)."""
        marked = tuple(cid for cid in self.rows.infos if cid in self.rows.marked)
        if marked:
            self.post_message(LogsRequested(marked, f"{len(marked)} marked"))
            return
        project = self.row_project()
        if not project:
            self.notify(
                "not part of a compose project: mark containers with space, then press L",
                severity="warning",
            )
            return
        self.request_project_logs(project)


def _set_label(label: Label, text: str) -> None:
    """Update a fixed-size label only when its text changes, without a layout pass (the text
    names a container or project: never markup)."""
    shown = plain(text)
    if str(label.render()) != shown.plain:
        label.update(shown, layout=False)
