"""The Container Lab app: tabs for containers, images, training and the VM baseline.

`create_app(backend)` is the one factory used by the CLI and the tests; `run_app` runs it in
the terminal or serves it to browsers (tui/views/serve.py: a token, localhost by default).
"""

from __future__ import annotations

import importlib.util
import shlex
import subprocess
from collections.abc import Callable, Iterable
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from tui.engine.backend import DashboardBackend, DockerBackend
from tui.engine.containers import DESTRUCTIVE
from tui.engine.stats import StatsSample
from tui.lab.session import DockerLab, LabSession
from tui.views.confirm import ConfirmScreen
from tui.views.containers_pane import ContainersPane
from tui.views.detail_screen import DetailScreen
from tui.views.images_pane import ImagesPane
from tui.views.lesson_feed import LessonApp
from tui.views.lifecycle import being_removed, only_while
from tui.views.logs_screen import LogsScreen
from tui.views.messages import (
    ActionDone,
    ContainerChanged,
    ContainersLoaded,
    EngineDown,
    EngineLost,
    EventReceived,
    EventsEnded,
    FootprintsLoaded,
    HistoryLoaded,
    ImagesLoaded,
    StatsStalledMessage,
    StatsWaiting,
)
from tui.views.prune_screen import PruneScreen
from tui.views.read_only import APP_CHANGES, CONTAINER_CHANGES
from tui.views.storage_panes import NetworksPane, VolumesPane
from tui.views.training_pane import TrainingPane

REFRESH_SECONDS = 1.0  # uptimes change at most once a second; stats are shown as they come
STALL_RETRY_SECONDS = 2.0  # after a stalled stats stream, open a new one this much later
BASELINE_SECONDS = 5.0  # footprints are sampled only while the VM baseline tab is shown
HAS_BASELINE = importlib.util.find_spec("tui.views.baseline_pane") is not None


# A worker's message or a timer's tick that comes after shutdown began is dropped: workers keep
# posting until their streams close, and Textual still delivers what is queued while it removes
# the screens (a pilot's shutdown especially).
while_open = only_while(lambda app: app.dashboard_open())


class ContainerLabApp(LessonApp):
    """The dashboard. Hand it a backend; it never blocks on the engine itself."""

    CSS_PATH = "app.tcss"
    TITLE = "Container Lab"
    BINDINGS = [  # noqa: RUF012
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "toggle_help", "Keys"),
        Binding("1", "tab('containers')", "Containers", show=False),
        Binding("2", "tab('images')", "Images", show=False),
        Binding("3", "tab('training')", "Training", show=False),
        Binding("4", "tab('baseline')", "Baseline", show=False),
        Binding("5", "tab('volumes')", "Volumes", show=False),
        Binding("6", "tab('networks')", "Networks", show=False),
        Binding("P", "prune", "Prune", show=False),
        Binding("ctrl+r", "reload", "Reload", show=False),
    ]

    def compose(self) -> ComposeResult:
        """Header, the engine banner, the tabs and the footer."""
        yield Header()
        yield Static(id="banner")
        with TabbedContent(id="tabs", initial="containers"):
            with TabPane("Containers [1]", id="containers"):
                yield ContainersPane(self.clock, self.take_samples, id="containers-pane")
            with TabPane("Images [2]", id="images"):
                yield ImagesPane(self.clock, id="images-pane")
            with TabPane("Training [3]", id="training"):
                yield self.training_widget()
            if HAS_BASELINE:
                with TabPane("VM baseline [4]", id="baseline"):
                    yield self.baseline_widget()
            with TabPane("Volumes [5]", id="volumes"):
                yield VolumesPane(
                    self.backend.volumes,
                    self.backend.remove_volume,
                    self.allowed,
                    id="volumes-pane",
                )
            with TabPane("Networks [6]", id="networks"):
                yield NetworksPane(
                    self.backend.networks,
                    self.backend.remove_network,
                    self.allowed,
                    id="networks-pane",
                )
        yield Footer()

    def __init__(
        self,
        backend: DashboardBackend,
        clock: Callable[[], datetime] | None = None,
        lab: LabSession | None = None,
        read_only: bool = False,
    ) -> None:
        """Hand it the engine's backend and, for the Training tab, the lab."""
        super().__init__(backend, clock=clock)
        self.lab = lab
        self.read_only = read_only  # see allowed()
        if read_only:
            self.sub_title = "read-only"
        self.stalled: set[str] = set()  # containers whose stats stream went silent

    def training_widget(self) -> TrainingPane:
        """The training run's pane."""
        return TrainingPane(self.lab, id="training-pane")

    def baseline_widget(self) -> Static:
        """The VM baseline pane, when its module is there."""
        try:
            from tui.baseline.profiles import load_all_profiles
            from tui.paths import lab_paths
            from tui.views.baseline_pane import BaselinePane

            return BaselinePane(load_all_profiles(lab_paths()), id="baseline-pane")  # type: ignore[return-value]
        except Exception as exc:  # the pane is someone else's; never let it stop the app
            return Static(f"VM baseline unavailable: {exc}", id="baseline-pane")

    def allowed(self, what: str) -> bool:
        """False, with a notice, when `what` would change something in read-only mode.

        Every entry point that changes anything (container and image actions, the shell,
        training) calls it first; guard a new action with `if not self.allowed("..."): return`.
        """
        if self.read_only:
            self.notify(f"read-only: {what} is disabled", severity="warning")
            return False
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the app's changing actions (APP_CHANGES) in read-only mode."""
        return not (self.read_only and action in APP_CHANGES)

    @property
    def main_screen(self) -> Screen[None]:
        """The dashboard's own screen, under any logs or detail view pushed on top of it."""
        return self.screen_stack[0]

    def dashboard_open(self) -> bool:
        """True until shutdown begins to remove the dashboard's panes."""
        if not self.screen_stack:
            return False
        panes = self.main_screen.query(ContainersPane)
        return bool(panes) and not being_removed(panes.first())

    @property
    def containers(self) -> ContainersPane:
        """The containers pane."""
        return self.main_screen.query_one(ContainersPane)

    @property
    def images(self) -> ImagesPane:
        """The images pane."""
        return self.main_screen.query_one(ImagesPane)

    def on_mount(self) -> None:
        """Connect in the background and refresh the table once a second."""
        self.main_screen.query_one("#banner", Static).display = False
        self.containers.table.focus()
        self.set_interval(REFRESH_SECONDS, self.refresh_containers)
        self.set_interval(BASELINE_SECONDS, self.refresh_baseline)
        self.connect_engine()

    @while_open
    def refresh_containers(self) -> None:
        """Uptimes and anything else that changed without a message."""
        self.containers.refresh_rows()

    @while_open
    def refresh_baseline(self) -> None:
        """Sample footprints for the VM baseline when its tab is the one shown."""
        if self.engine_up and self.main_screen.query_one(TabbedContent).active == "baseline":
            self.load_footprints()

    @while_open
    def on_footprints_loaded(self, message: FootprintsLoaded) -> None:
        """Feed the VM baseline pane, with the container selected in the list."""
        if not HAS_BASELINE:
            return
        from tui.views.baseline_pane import BaselinePane

        for pane in self.main_screen.query(BaselinePane):
            pane.update_figures(message.footprints, selected=self.containers.selected_id)

    def on_unmount(self) -> None:
        """Close every stream so no worker thread outlives the app."""
        self.stop_all_streams()

    # Engine ------------------------------------------------------------------------------

    def show_banner(self, text: str) -> None:
        """Show (or hide, with "") the engine banner."""
        banner = self.main_screen.query_one("#banner", Static)
        banner.update(text)
        banner.display = bool(text)

    @while_open
    def on_engine_down(self, message: EngineDown) -> None:
        """No engine: say what was tried and how to start one; the worker keeps retrying."""
        self.engine_up = False
        self.show_banner(f"{message.reason}\nRetrying by itself every few seconds.")

    @while_open
    def on_engine_up(self) -> None:
        """Connected: load the lists and follow the events."""
        was_down = self.main_screen.query_one("#banner", Static).display
        self.engine_up = True
        self.collector = self.backend.cgroup_collector()
        self.show_banner("")
        if was_down:
            self.notify(f"connected to the engine at {self.backend.description}")
        self.watch_events()
        self.load_containers()
        self.load_images()
        for screen in self.screen_stack:
            if isinstance(screen, LogsScreen):
                screen.resume()

    @while_open
    def on_engine_lost(self) -> None:
        """The engine stopped answering: stop the streams, say so, reconnect."""
        if not self.engine_up:
            return
        self.engine_up = False
        self.stop_all_streams()
        self.show_banner(f"The engine at {self.backend.description} stopped answering.")
        self.connect_engine()

    @while_open
    def on_events_ended(self, message: EventsEnded) -> None:
        """Events end quietly on a broken connection: reconnect or resubscribe."""
        if message.engine_up:
            self.watch_events()
            self.load_containers()
        else:
            self.post_message(EngineLost())

    @while_open
    def on_event_received(self, message: EventReceived) -> None:
        """Refresh exactly what the event changed."""
        event = message.event
        if event.changes_containers:
            self.refresh_container(event.id)
        if event.changes_images:
            self.load_images()

    def action_reload(self) -> None:
        """Reload both lists."""
        if self.engine_up:
            self.load_containers()
            self.load_images()

    # Lists -------------------------------------------------------------------------------

    @while_open
    def on_containers_loaded(self, message: ContainersLoaded) -> None:
        """Show the whole list; stream stats of the running containers only."""
        self.containers.set_containers(message.containers)
        running = {info.id for info in message.containers if info.is_running}
        for container_id in set(self.stats_workers) - running:
            self.stop_stats(container_id)
        for info in message.containers:
            if info.is_running:
                self.start_stats(info.id, info.pid)

    @while_open
    def on_container_changed(self, message: ContainerChanged) -> None:
        """Update one row, its stats stream and any view open on it."""
        info, container_id = message.info, message.container_id
        self.containers.set_container(container_id, info)
        if info is not None and info.is_running:
            self.start_stats(container_id, info.pid)
        else:
            self.stop_stats(container_id)
        for screen in list(self.screen_stack):
            if getattr(screen, "container_id", None) != container_id:
                continue
            if info is None:
                self.close_views_of(screen, "was removed")
            elif isinstance(screen, DetailScreen):
                screen.update_info(info)

    def close_views_of(self, screen: Screen[None], why: str) -> None:
        """Close a view whose container went away, with a notice."""
        name = getattr(getattr(screen, "info", None), "name", "the container")
        if screen not in self.screen_stack:
            return
        while screen in self.screen_stack:  # screens above it go too
            self.pop_screen()
        self.notify(f"{name} {why}; its view was closed", severity="warning")

    @while_open
    def on_stats_waiting(self, _: StatsWaiting) -> None:
        """Samples wait in the inbox: the containers pane takes and draws them shortly."""
        self.containers.samples_waiting()

    def take_samples(self) -> list[StatsSample]:
        """The samples in the inbox; a container that sends them again is no longer stalled."""
        samples = self.stats_inbox.take()
        for sample in samples:
            self.stalled.discard(sample.container_id)
        return samples

    @while_open
    def on_stats_stalled_message(self, message: StatsStalledMessage) -> None:
        """Say so once, drop the stale figures, and try the stream again after a pause."""
        cid = message.container_id
        if cid not in self.stalled:
            self.stalled.add(cid)
            self.notify(f"{message.reason}; retrying", severity="warning", timeout=6)
        self.containers.samples.pop(cid, None)  # no stale figures; the history stays
        self.stats_workers.pop(cid, None)
        self.set_timer(STALL_RETRY_SECONDS, lambda: self._retry_stats(cid))

    @while_open
    def _retry_stats(self, container_id: str) -> None:
        info = self.containers.infos.get(container_id)
        if self.engine_up and info is not None and info.is_running:
            self.start_stats(container_id, info.pid)

    @while_open
    def on_images_loaded(self, message: ImagesLoaded) -> None:
        """Show the image list."""
        self.images.set_images(message.images)

    @while_open
    def on_history_loaded(self, message: HistoryLoaded) -> None:
        """Show an image's layers."""
        self.images.set_history(message.image_id, message.layers)

    @while_open
    def on_action_done(self, message: ActionDone) -> None:
        """Say how an action went."""
        if message.error:
            self.notify(f"{message.what} {message.target}: {message.error}", severity="error")
        else:
            self.notify(f"{message.what}: {message.target}")

    # Actions -----------------------------------------------------------------------------

    @on(ContainersPane.Requested)
    def _container_requested(self, message: ContainersPane.Requested) -> None:
        self.container_request(message.action, message.container_id)

    def container_request(self, action: str, container_id: str) -> None:
        """Run a container action: views, shell, or lifecycle (destructive ones ask first)."""
        info = self.containers.infos.get(container_id)
        if info is None or (action in CONTAINER_CHANGES and not self.allowed(action)):
            return
        if action == "detail":
            self.push_screen(DetailScreen(info, self.clock, self.backend.processes))
        elif action == "logs":
            self.action_open_logs(container_id)
        elif action == "shell":
            self.open_shell(container_id)
        elif action in DESTRUCTIVE:
            question = f"{action.capitalize()} container {info.name}?"

            def answered(yes: bool | None) -> None:
                if yes:
                    self.container_action(container_id, action, info.name)

            self.push_screen(ConfirmScreen(question), answered)
        else:
            if action == "pause" and info.state == "paused":
                action = "unpause"
            self.container_action(container_id, action, info.name)

    @on(ContainersPane.MergedLogsRequested)
    def _merged_logs_requested(self, message: ContainersPane.MergedLogsRequested) -> None:
        known = self.containers.infos
        infos = [known[cid] for cid in message.container_ids if cid in known]
        if infos:
            self.push_screen(LogsScreen(self.backend, infos, title=message.title))

    def action_open_logs(self, container_id: str) -> None:
        """Open the logs of a container."""
        info = self.containers.infos.get(container_id)
        if info is not None:
            self.push_screen(LogsScreen(self.backend, info))

    def open_shell(self, container_id: str) -> None:
        """Suspend the app and run `docker exec -it … sh` in a running container."""
        info = self.containers.infos.get(container_id)
        if not self.allowed("shell"):
            return
        if info is None or info.state != "running":
            self.notify("a shell needs a running container", severity="warning")
            return
        argv = self.backend.shell_argv(container_id)
        try:
            with self.suspend():
                print(f"$ {shlex.join(argv)}   (exit the shell to come back)", flush=True)
                subprocess.run(argv, check=False)
        except Exception as exc:  # SuspendNotSupported in a browser, or no docker CLI
            self.notify(f"cannot open a shell here: {exc}", severity="error")

    @on(ImagesPane.Requested)
    def _image_requested(self, message: ImagesPane.Requested) -> None:
        image = self.images.images.get(message.image_id)
        if message.action == "history":
            self.load_history(message.image_id)
        elif message.action == "remove" and image is not None and self.allowed("image removal"):

            def answered(yes: bool | None) -> None:
                if yes:
                    self.image_removal(image.id, image.name)

            self.push_screen(
                ConfirmScreen(f"Remove image {image.name} ({image.short_id})?"), answered
            )

    def action_demo_up(self) -> None:
        """Start the demo containers (local images only; what runs already is kept)."""
        if self.allowed("demo"):
            self.run_demo("up")

    def action_demo_down(self) -> None:
        """Remove the demo containers (by their label) and nothing else."""
        if self.allowed("demo"):
            self.run_demo("down")

    @work(thread=True, exclusive=True, group="demo", exit_on_error=False)
    def run_demo(self, action: str) -> None:
        """The demo's Docker and Compose calls block: run them off the event loop."""
        if self.lab is None:
            self.post_message(ActionDone(f"demo {action}", "", "no lab configured"))
            return
        try:
            lines = self.lab.demo(action)
        except Exception as exc:  # LabError says what to do; anything else must not kill the app
            self.post_message(ActionDone(f"demo {action}", "failed", str(exc)))
            return
        done = "started: see the Containers tab" if action == "up" else f"removed ({len(lines)})"
        self.post_message(ActionDone("demo containers", done))

    def action_tab(self, tab: str) -> None:
        """Switch to a tab and focus the widget that takes its keys.

        Every tab moves the focus: a focused widget left behind on a hidden tab hands it to a
        still-visible sibling (the images table to the layers table), and a focused widget
        pulls its tab forward again (`4` from Images stayed on Images).
        """
        tabs = self.main_screen.query_one(TabbedContent)
        if not tabs.query(f"#{tab}"):
            return
        tabs.active = tab
        if tab == "containers":
            self.containers.table.focus()
        elif tab == "images":
            self.images.table.focus()
        elif tab == "training":
            self.main_screen.query_one(TrainingPane).focus()
        elif tab == "baseline":
            pane = self.main_screen.query_one("#baseline-pane")
            if pane.can_focus:
                pane.focus()
            else:  # the "unavailable" placeholder
                self.main_screen.set_focus(None)
            self.refresh_baseline()
        elif tab in ("volumes", "networks"):
            self.main_screen.query_one(f"#{tab}-pane").query_one("KeyedTable").focus()

    def action_prune(self) -> None:
        """The prune preview: what each prune would free, then prune the ticked ones."""
        if self.engine_up and self.allowed("pruning"):
            self.push_screen(PruneScreen(self.backend.prune_plans, self.backend.prune))

    def action_toggle_help(self) -> None:
        """Show or hide every key binding."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette lists every action of the dashboard."""
        yield from super().get_system_commands(screen)
        pane = self.containers
        for key, title in [
            ("detail", "Container detail"),
            ("logs", "Container logs"),
            ("shell", "Open a shell in the container"),
            ("start", "Start container"),
            ("stop", "Stop container"),
            ("restart", "Restart container"),
            ("kill", "Kill container"),
            ("pause", "Pause or unpause container"),
            ("remove", "Remove container"),
        ]:
            yield SystemCommand(
                title, f"{title} (the selected one)", _bind(pane.action_request, key)
            )
        yield SystemCommand("Filter containers", "Filter as you type", pane.action_filter)
        yield SystemCommand("All / running containers", "Toggle", pane.action_toggle_all)
        yield SystemCommand("Sort containers by next column", "Cycle", pane.action_sort_next)
        yield SystemCommand("Reverse container sort", "Toggle", pane.action_sort_reverse)
        yield SystemCommand(
            "Remove image", "The selected image", _bind(self.images.action_request, "remove")
        )
        yield SystemCommand("Reload lists", "Containers and images", self.action_reload)
        yield SystemCommand(
            "Prune…", "Preview what each prune frees, then prune the ticked ones", self.action_prune
        )
        training = self.main_screen.query_one(TrainingPane)
        yield SystemCommand(
            "Train a model", "Build, train, sign and verify (Training tab)", training.action_start
        )
        yield SystemCommand(
            "Cancel training", "Stop the training container", training.action_cancel
        )
        yield SystemCommand(
            "Start demo containers",
            "A few labelled sample containers to look at (./lab demo up)",
            self.action_demo_up,
        )
        yield SystemCommand(
            "Remove demo containers", "Only those (./lab demo down)", self.action_demo_down
        )
        for tab in ("containers", "images", "training", "baseline", "volumes", "networks"):
            yield SystemCommand(f"Go to {tab}", f"Show the {tab} tab", _bind(self.action_tab, tab))


def _bind(func: Callable[[str], None], arg: str) -> Callable[[], None]:
    return lambda: func(arg)


def create_app(
    backend: DashboardBackend,
    clock: Callable[[], datetime] | None = None,
    lab: LabSession | None = None,
    read_only: bool = False,
) -> ContainerLabApp:
    """The dashboard, handed its backend (a real engine, or fixed data in tests) and its lab."""
    return ContainerLabApp(backend, clock=clock, lab=lab, read_only=read_only)


def run_app(
    host: str | None = None,
    serve: bool = False,
    port: int = 8000,
    stats: str = "auto",
    *,
    bind: str = "127.0.0.1",
    read_only: bool = False,
    max_sessions: int = 4,
) -> int:
    """Run the dashboard in this terminal, or serve it to browsers (tui/views/serve.py)."""
    if serve:
        from tui.views.serve import serve_dashboard

        return serve_dashboard(
            engine_host=host,
            stats=stats,
            bind=bind,
            port=port,
            max_sessions=max_sessions,
            read_only=read_only,
        )
    app = create_app(DockerBackend(host, stats=stats), lab=DockerLab(host), read_only=read_only)
    app.run()
    return app.return_code or 0
