"""A container's detail: state, command, mounts, limits, user, labels, health, environment,
and its processes (`docker top`, refreshed while the view is open)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Static

from tui.engine.containers import ContainerInfo, ProcessList
from tui.views.formats import bytes_size, plain, status_text
from tui.views.guards import unless_removed
from tui.views.messages import InspectRequested, LogsRequested
from tui.views.read_only import allowed, hidden, is_read_only
from tui.views.widgets.footer import LabFooter

PROCESSES_SECONDS = 2.0  # `docker top` again this often while the detail is open


def render_processes(processes: ProcessList | None, running: bool) -> Table | Text:
    """The process table, or why there is none."""
    if not running:
        return Text("not running", style="dim")
    if processes is None:
        return Text("loading…", style="dim")
    if not processes.rows:
        return Text("none", style="dim")
    table = Table(box=None, padding=(0, 1), header_style="bold dim")
    for title in processes.titles:
        table.add_column(plain(title))
    for row in processes.rows:
        table.add_row(*map(plain, row))  # command lines are anyone's: never markup
    return table


def render_detail(
    info: ContainerInfo,
    show_env: bool,
    now: datetime | None = None,
    processes: ProcessList | None = None,
    env_hint: str = "values hidden: press v to show",
) -> Table:
    """The detail of one container as a two-column table (every value plain text: labels,
    command and environment are anyone's to choose, so never markup)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()

    def add(name: str, value: str | Text | Table) -> None:
        table.add_row(name, value if isinstance(value, Table) else plain(value, keep="\n"))

    add("Name", info.name)
    add("ID", info.id)
    add("Image", info.image)
    add("State", f"{info.state} ({status_text(info, now)})")
    add("Health", info.health or "no healthcheck")
    add("Restarts", f"{info.restart_count} (policy: {info.restart_policy or 'no'})")
    add("Command", info.command or "-")
    add("User", info.user or "root (image default)")
    add("Ports", info.ports or "-")
    limits = [
        f"memory {bytes_size(info.memory_limit)}" if info.memory_limit else "memory unlimited",
        f"cpus {info.nano_cpus / 1e9:g}" if info.nano_cpus else "cpus unlimited",
        f"pids {info.pids_limit}" if info.pids_limit > 0 else "pids unlimited",
    ]
    add("Limits", ", ".join(limits))
    mounts = Text()
    for mount in info.mounts:
        mode = Text(" (read-only)", style="yellow") if mount.read_only else Text(" (rw)")
        mounts.append(f"{mount.kind} {mount.source} -> {mount.destination}")
        mounts.append(mode)
        mounts.append("\n")
    mounts.rstrip()
    add("Mounts", mounts if mounts.plain else Text("none"))
    labels = "\n".join(f"{k}={v}" for k, v in sorted(info.labels.items())) or "none"
    add("Labels", labels)
    env: str | Text
    if show_env:
        env = "\n".join(info.env) or "none"
    else:
        names = ", ".join(item.partition("=")[0] for item in info.env)
        env = Text(f"{names or 'none'}  ({env_hint})", style="dim")
    add("Environment", env)
    add("Processes", render_processes(processes, info.is_running))
    return table


@dataclass(eq=False)
class ProcessesLoaded(Message):
    """`docker top` answered for the container shown."""

    processes: ProcessList


class DetailScreen(Screen[None]):
    """The detail of one container; follows its changes, closes when it is removed."""

    CSS_PATH = "detail.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("escape,q", "app.pop_screen", "Back", id="back"),
        Binding("v", "toggle_env", "Show/hide env values", id="reveal"),
        Binding("l", "logs", "Logs", id="logs"),
        Binding("i", "inspect", "Inspect", id="inspect"),
    ]

    def __init__(
        self,
        info: ContainerInfo,
        clock: Callable[[], datetime] | None = None,
        processes: Callable[[str], ProcessList] | None = None,
    ) -> None:
        """`processes` is the backend's `docker top`; without it the row says "loading…"."""
        super().__init__()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.info = info
        self.show_env = False
        self.container_id = info.id
        self.list_processes = processes
        self.processes: ProcessList | None = None

    def compose(self) -> ComposeResult:
        """Header, the detail, footer."""
        yield Header()
        with VerticalScroll():
            yield Static(id="detail")
        yield LabFooter()

    def on_mount(self) -> None:
        """Render the first time."""
        self.sub_title = f"container {self.info.name}"
        self.render_info()
        if self.list_processes is not None:
            self.load_processes()
            self.set_interval(PROCESSES_SECONDS, self.load_processes)

    @work(thread=True, exclusive=True, group="processes", exit_on_error=False)
    def load_processes(self) -> None:
        """Worker: `docker top` (nothing when stopped; a failure keeps the last list)."""
        if self.list_processes is None or not self.info.is_running:
            return
        try:
            processes = self.list_processes(self.container_id)
        except Exception:  # the engine went away or the container is going: try next time
            return
        self.post_message(ProcessesLoaded(processes))

    @unless_removed
    def on_processes_loaded(self, message: ProcessesLoaded) -> None:
        """Show the new process list."""
        self.processes = message.processes
        self.render_info()

    def render_info(self) -> None:
        """Render the current info."""
        hint = (
            "values hidden: read-only" if is_read_only(self) else "values hidden: press v to show"
        )
        self.query_one("#detail", Static).update(
            render_detail(self.info, self.show_env, self.clock(), self.processes, hint)
        )

    def update_info(self, info: ContainerInfo) -> None:
        """The container changed."""
        self.info = info
        if not info.is_running:
            self.processes = None
        self.render_info()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only mode never shows environment values: the key is hidden."""
        return not hidden(self, action, parameters)

    def action_toggle_env(self) -> None:
        """Show or hide the environment's values (refused in read-only mode)."""
        if not self.show_env and not allowed(self, "showing environment values"):
            return
        self.show_env = not self.show_env
        self.render_info()

    def action_inspect(self) -> None:
        """Open this container's raw inspect view."""
        self.post_message(InspectRequested("container", self.container_id, self.info.name))

    def action_logs(self) -> None:
        """Open this container's logs (on top of this view)."""
        self.post_message(LogsRequested((self.container_id,)))
