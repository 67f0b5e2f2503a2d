"""Volumes and networks tabs: a table each, refreshed when shown, removal after a question.

Each pane is handed two blocking callables (list, remove) and runs them in its own thread
workers; it never talks to Docker itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label

from tui.engine.volumes import NetworkInfo, VolumeInfo
from tui.errors import LabError
from tui.views.formats import plain
from tui.views.messages import InspectRequested
from tui.views.presentation import network_cells, network_rank, volume_cells, volume_rank
from tui.views.read_only import hidden
from tui.views.widgets.confirm import ConfirmScreen
from tui.views.widgets.keyed_table import KeyedTable

T = TypeVar("T")


class ResourcePane(Vertical, Generic[T]):
    """A keyed table of one kind of engine object, with reload, sort and remove."""

    BINDINGS = [  # noqa: RUF012
        Binding("D,delete", "remove", "Remove", id="remove"),
        Binding("o", "sort_next", "Sort", id="sort"),
        Binding("i", "inspect", "Inspect", id="inspect"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="reload"),
    ]
    COLUMNS: Sequence[tuple[str, str]] = ()
    UNIQUE_COLUMN = "name"  # the column whose text identifies a row when sorting
    SORTS: Sequence[str] = ("name",)
    NOUN = "object"

    def __init__(
        self,
        load: Callable[[], list[T]],
        remove: Callable[[str], None],
        allowed: Callable[[str], bool] = lambda _: True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._load, self._remove, self._allowed = load, remove, allowed
        self.items: dict[str, T] = {}
        self.sort_by = self.SORTS[0]

    def compose(self) -> ComposeResult:
        """A title line and the table."""
        yield Label("", classes="resource-title")
        table = KeyedTable(unique_column=self.UNIQUE_COLUMN, classes="resource-table")
        for key, label in self.COLUMNS:
            table.add_column(label, key=key)
        yield table

    @property
    def table(self) -> KeyedTable:
        """The table."""
        return self.query_one(KeyedTable)

    def key_of(self, item: T) -> str:
        """The row key (and what remove is called with)."""
        raise NotImplementedError

    def cells(self, item: T) -> list[str | Text]:
        """The row of one item."""
        raise NotImplementedError

    def rank(self, key: str) -> Any:
        """The sort key of one row."""
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the removal key in read-only mode."""
        return not hidden(self, action, parameters)

    def refusal(self, item: T) -> str:
        """Why `item` may not be removed ("" when it may)."""
        return ""

    def on_show(self) -> None:
        """Fresh figures each time the tab is shown (sizes are costly: not on a timer)."""
        self.action_reload()

    def action_reload(self) -> None:
        """List again, in a worker."""
        self.query_one(".resource-title", Label).update(f"Loading {self.NOUN}s…")
        self.load_items()

    @work(thread=True, exclusive=True, group="resources", exit_on_error=False)
    def load_items(self) -> None:
        """Call the blocking list; show it on the UI thread."""
        try:
            items = self._load()
        except Exception as exc:  # the engine went away: say so in the title
            self.app.call_from_thread(self._show_error, str(exc))
            return
        self.app.call_from_thread(self.show_items, items)

    def _show_error(self, text: str) -> None:
        self.query_one(".resource-title", Label).update(plain(Text(text, style="bold red")))

    def show_items(self, items: list[T]) -> None:
        """Show this list, in place."""
        self.items = {self.key_of(item): item for item in items}
        self.table.sync({key: self.cells(item) for key, item in self.items.items()}, self.rank)
        self.query_one(".resource-title", Label).update(self.title_text())

    def title_text(self) -> str:
        """The line above the table."""
        return f"{len(self.items)} {self.NOUN}s, sorted by {self.sort_by} (o), D removes"

    def action_sort_next(self) -> None:
        """The next sort order."""
        self.sort_by = self.SORTS[(self.SORTS.index(self.sort_by) + 1) % len(self.SORTS)]
        self.table.order(self.rank)
        self.query_one(".resource-title", Label).update(self.title_text())

    def action_inspect(self) -> None:
        """Open the raw inspect view of the selected item."""
        key = self.table.cursor_key
        if key is not None and key in self.items:
            name = str(getattr(self.items[key], "name", key))
            self.post_message(InspectRequested(self.NOUN, key, name))

    def action_remove(self) -> None:
        """Ask, then remove the selected item (never one in use)."""
        key = self.table.cursor_key
        if key is None or key not in self.items or not self._allowed(f"removing a {self.NOUN}"):
            return
        why = self.refusal(self.items[key])
        if why:
            self.notify(why, severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.remove_item(key)

        self.app.push_screen(ConfirmScreen(f"Remove {self.NOUN} {key[:40]}?"), answered)

    @work(thread=True, group="resources", exit_on_error=False)
    def remove_item(self, key: str) -> None:
        """Remove in a worker; a refusal from the engine becomes a notice."""
        try:
            self._remove(key)
        except LabError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
        else:
            self.app.call_from_thread(self.notify, f"removed {self.NOUN} {key[:40]}")
        self.app.call_from_thread(self.action_reload)


class VolumesPane(ResourcePane[VolumeInfo]):
    """Volumes: name, driver, size (from `docker system df -v`), mount point, users."""

    COLUMNS = (
        ("name", "Volume"),
        ("driver", "Driver"),
        ("size", "Size"),
        ("mountpoint", "Mount point"),
        ("users", "Used by"),
    )
    SORTS = ("name", "size", "users")
    NOUN = "volume"

    def key_of(self, item: VolumeInfo) -> str:
        """Volumes are removed by name."""
        return item.name

    def cells(self, item: VolumeInfo) -> list[str | Text]:
        """See presentation.volume_cells."""
        return volume_cells(item)

    def rank(self, key: str) -> Any:
        """See presentation.volume_rank."""
        return volume_rank(self.items[key], self.sort_by)

    def refusal(self, item: VolumeInfo) -> str:
        """A volume in use is never removed."""
        return f"volume {item.name} is used by {', '.join(item.used_by)}" if item.used_by else ""


class NetworksPane(ResourcePane[NetworkInfo]):
    """Networks: name, id, driver, scope, subnets, users."""

    COLUMNS = (
        ("name", "Network"),
        ("id", "ID"),
        ("driver", "Driver"),
        ("scope", "Scope"),
        ("subnets", "Subnets"),
        ("users", "Used by"),
    )
    UNIQUE_COLUMN = "id"  # two networks may share a name
    SORTS = ("name", "users")
    NOUN = "network"

    def key_of(self, item: NetworkInfo) -> str:
        """Networks are removed by id."""
        return item.id

    def cells(self, item: NetworkInfo) -> list[str | Text]:
        """See presentation.network_cells."""
        return network_cells(item)

    def rank(self, key: str) -> Any:
        """See presentation.network_rank."""
        return network_rank(self.items[key], self.sort_by)

    def refusal(self, item: NetworkInfo) -> str:
        """The engine's own networks and ones in use are never removed."""
        if item.builtin:
            return f"network {item.name} is the engine's own"
        return f"network {item.name} is used by {', '.join(item.used_by)}" if item.used_by else ""
