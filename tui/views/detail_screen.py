"""A container's detail: state, command, mounts, limits, user, labels, health, environment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from tui.engine.containers import ContainerInfo
from tui.engine.stats import bytes_size


def render_detail(info: ContainerInfo, show_env: bool, now: datetime | None = None) -> Table:
    """The detail of one container as a two-column table."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    add = table.add_row
    add("Name", info.name)
    add("ID", info.id)
    add("Image", info.image)
    add("State", f"{info.state} ({info.status_text(now)})")
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
        env = Text(f"{names or 'none'}  (values hidden: press v to show)", style="dim")
    add("Environment", env)
    return table


class DetailScreen(Screen[None]):
    """The detail of one container; follows its changes, closes when it is removed."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("v", "toggle_env", "Show/hide env values"),
        Binding("l", "logs", "Logs"),
    ]

    def __init__(self, info: ContainerInfo, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.info = info
        self.show_env = False
        self.container_id = info.id

    def compose(self) -> ComposeResult:
        """Header, the detail, footer."""
        yield Header()
        with VerticalScroll():
            yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        """Render the first time."""
        self.sub_title = f"container {self.info.name}"
        self.render_info()

    def render_info(self) -> None:
        """Render the current info."""
        self.query_one("#detail", Static).update(
            render_detail(self.info, self.show_env, self.clock())
        )

    def update_info(self, info: ContainerInfo) -> None:
        """The container changed."""
        self.info = info
        self.render_info()

    def action_toggle_env(self) -> None:
        """Show or hide the environment's values."""
        self.show_env = not self.show_env
        self.render_info()

    async def action_logs(self) -> None:
        """Open this container's logs."""
        await self.app.run_action(f"open_logs('{self.container_id}')")
