"""The Container Lab app: tabs for containers, images, training and the VM baseline.

The CLI (tui/wiring.py) and the tests construct `ContainerLabApp` directly, handing it its
backends; `run_app` runs it in the terminal (tui/serve.py serves it to browsers instead).
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from tui.baseline.profiles import load_all_profiles
from tui.engine import feed as engine_feed
from tui.engine.actions import ContainerAction
from tui.engine.backend import DashboardBackend, EngineOffer
from tui.engine.compose import project_name
from tui.engine.containers import ContainerInfo
from tui.engine.footprint import ContainerFootprint
from tui.engine.stats.api import StatsSample
from tui.errors import LabError
from tui.lab.session import LabSession
from tui.paths import lab_paths
from tui.preferences import Preferences
from tui.views.baseline.control import LessonApp
from tui.views.baseline.pane import BaselinePane
from tui.views.containers.detail import DetailScreen
from tui.views.containers.pane import ContainersPane
from tui.views.containers.projects import request_project_action
from tui.views.guards import only_while
from tui.views.images_pane import ImagesPane
from tui.views.inspect.screen import InspectScreen
from tui.views.logs.screen import LogsScreen
from tui.views.messages import ActionDone, FeedMessage, InspectRequested
from tui.views.palette import dashboard_commands
from tui.views.projector import THEMES
from tui.views.prune_screen import PruneScreen
from tui.views.read_only import APP_CHANGES
from tui.views.storage_panes import NetworksPane, VolumesPane
from tui.views.swarm.job_panel import ClusterJobPanel
from tui.views.swarm.pane import SwarmPane
from tui.views.training_pane import TrainingPane
from tui.views.widgets.confirm import ConfirmScreen

REFRESH_SECONDS = 1.0  # uptimes change at most once a second; stats are shown as they come
NOTICE_SECONDS = 30  # a bad preference stays on screen long enough to be read and fixed
BASELINE_SECONDS = 5.0  # footprints are sampled only while the VM baseline tab is shown
DEFAULTS = Preferences()


# A worker's message or a timer's tick that comes after shutdown began is dropped: workers keep
# posting until their streams close, and Textual still delivers what is queued while it removes
# the screens (a pilot's shutdown especially).
while_open = only_while(lambda app: app.dashboard_open())


class ContainerLabApp(LessonApp):
    """The dashboard. Hand it a backend; it never blocks on the engine itself."""

    CSS_PATH = "app.tcss"
    TITLE = "Container Lab"
    BINDINGS = [  # noqa: RUF012
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "toggle_help", "Keys", id="help"),
        Binding("1", "tab('containers')", "Containers", show=False),
        Binding("2", "tab('images')", "Images", show=False),
        Binding("3", "tab('training')", "Training", show=False),
        Binding("4", "tab('baseline')", "Baseline", show=False),
        Binding("5", "tab('volumes')", "Volumes", show=False),
        Binding("6", "tab('networks')", "Networks", show=False),
        Binding("7", "tab('swarm')", "Swarm", show=False),
        Binding("P", "prune", "Prune", show=False, id="prune"),
        Binding("H", "next_engine", "Engines", show=False, id="next_engine"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="reload"),
    ]

    def compose(self) -> ComposeResult:
        """Header, the engine banner, the tabs and the footer."""
        yield Header()
        yield Static(id="banner")
        with TabbedContent(id="tabs", initial="containers"):
            with TabPane("Containers [1]", id="containers"):
                yield ContainersPane(
                    self.clock,
                    self.take_samples,
                    view=self.preferences.containers,
                    several_engines=self.several_engines,
                    on_shown=self.containers_shown,
                    id="containers-pane",
                )
            with TabPane("Images [2]", id="images"):
                yield ImagesPane(self.clock, id="images-pane")
            with TabPane("Training [3]", id="training"):
                yield self.training_widget()
                yield ClusterJobPanel(clock=self.clock, id="cluster-job")
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
            with TabPane("Swarm [7]", id="swarm"):
                yield SwarmPane(lambda: self.containers, clock=self.clock, id="swarm-pane")
        yield Footer()

    def __init__(
        self,
        backend: DashboardBackend | Sequence[DashboardBackend],
        clock: Callable[[], datetime] | None = None,
        lab: LabSession | None = None,
        read_only: bool = False,
        preferences: Preferences = DEFAULTS,
        engine_offer: EngineOffer | None = None,
    ) -> None:
        """Hand it the engines' backends (tui/wiring.py builds them; the first one also serves
        the images, volumes, networks and lesson tabs), the lab, the preferences and the
        engines it may add (the docker contexts not watched yet)."""
        super().__init__(backend, clock=clock, engine_offer=engine_offer)
        for theme in THEMES:  # the projector's, beside Textual's own
            self.register_theme(theme)
        self.lab = lab
        self.preferences = preferences
        self.read_only = read_only  # see allowed()
        if read_only:
            self.sub_title = "read-only"
        self.stalled: set[str] = set()  # containers whose stats stream went silent
        self.down: dict[str, str] = {}  # engine -> why it does not answer (its banner line)

    def training_widget(self) -> TrainingPane:
        """The training run's pane."""
        return TrainingPane(self.lab, id="training-pane")

    def baseline_widget(self) -> BaselinePane | Static:
        """The VM baseline pane; a line saying why not when this host's profile is unreadable."""
        try:
            return BaselinePane(load_all_profiles(lab_paths()), id="baseline-pane")
        except LabError as exc:  # this host's measured profile, damaged
            return Static(
                f"VM baseline unavailable: {exc}; move it away, or measure again: "
                "container-lab baseline measure",
                id="baseline-pane",
            )

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
        """True until shutdown begins (Textual stops running the app before it removes it)."""
        return self.is_running and not self.closing and bool(self.screen_stack)

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
        self.apply_preferences()
        self.containers.table.focus()
        self.every(REFRESH_SECONDS, self.refresh_containers)
        self.every(BASELINE_SECONDS, self.refresh_baseline)
        self.start_feeds()

    def apply_preferences(self) -> None:
        """Theme and keymap from the preferences file; each bad setting becomes a notice."""
        if self.preferences.theme:
            self.theme = self.preferences.theme
        if self.preferences.keys:
            self.set_keymap(dict(self.preferences.keys))
        for error in self.preferences.errors:
            self.notify(error, title="Preferences", severity="error", timeout=NOTICE_SECONDS)

    @while_open
    def refresh_containers(self) -> None:
        """Uptimes and anything else that changed without a message."""
        self.containers.refresh_rows()

    @while_open
    def refresh_baseline(self) -> None:
        """Sample footprints for the VM baseline when its tab is the one shown."""
        feed = self.feeds.get(self.backend.name)
        if feed is not None and feed.up and self.active_tab == "baseline":
            feed.load_footprints()

    @property
    def active_tab(self) -> str:
        """The id of the tab shown."""
        return str(self.main_screen.query_one(TabbedContent).active)

    # Engines -----------------------------------------------------------------------------

    def show_banner(self) -> None:
        """One line per engine that does not answer (hidden when all do)."""
        banner = self.main_screen.query_one("#banner", Static)
        text = "\n".join(self.down.values())
        banner.update(text)
        banner.display = bool(text)

    @while_open
    def on_feed_message(self, message: FeedMessage) -> None:
        """A feed's report: update the views it concerns."""
        event = message.event
        match event:
            case engine_feed.SamplesWaiting():
                self.containers.samples_waiting()
            case engine_feed.ContainerChanged(container_id=cid, info=info):
                self.container_changed(cid, info)
            case engine_feed.ContainersLoaded(engine=engine, containers=infos):
                self.containers.set_containers(infos, engine=engine)
            case engine_feed.ImagesLoaded(engine=engine, images=images):
                if engine == self.backend.name:
                    self.images.set_images(images)
            case engine_feed.HistoryLoaded(image_id=image_id, layers=layers):
                self.images.set_history(image_id, layers)
            case engine_feed.StatsStalledEvent(container_id=cid, reason=reason):
                if cid not in self.stalled:
                    self.stalled.add(cid)
                    self.notify(f"{reason}; retrying", severity="warning", timeout=6)
                self.containers.samples.pop(cid, None)  # no stale figures; the history stays
            case engine_feed.EngineRequestDone(what=what, target=target, error=error):
                self.say_done(what, target, error)
            case engine_feed.FootprintsLoaded(footprints=footprints):
                self.show_footprints(footprints)
            case _:
                self.engine_changed(event)

    def engine_changed(self, event: engine_feed.FeedEvent) -> None:
        """An engine answered, is not there, or stopped answering: its banner line says so."""
        engine = event.engine
        label = f"{engine}: " if self.several_engines else ""
        if isinstance(event, engine_feed.EngineDown):
            self.down[engine] = f"{label}{event.reason}\nRetrying by itself every few seconds."
        elif isinstance(event, engine_feed.EngineLost):
            # Its rows stay as last seen (the banner line says they are stale) until it answers.
            self.down[engine] = f"{label}The engine at {event.description} stopped answering."
        elif isinstance(event, engine_feed.EngineUp):
            if engine == self.backend.name:
                self.first_engine_answered()  # the lesson's leftovers, once
            if self.down.pop(engine, None) is not None:
                self.notify(f"connected to the engine at {event.description}")
            for screen in self.screen_stack:
                if isinstance(screen, LogsScreen) and screen.info.engine in ("", engine):
                    screen.resume()
        self.show_banner()

    def container_changed(self, container_id: str, info: ContainerInfo | None) -> None:
        """Update one row and any view open on it."""
        self.containers.set_container(container_id, info)
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

    def take_samples(self) -> list[StatsSample]:
        """The samples the feeds have waiting; a container that sends them is no longer stalled."""
        samples = super().take_samples()
        for sample in samples:
            self.stalled.discard(sample.container_id)
        return samples

    def containers_shown(self, container_ids: set[str]) -> None:
        """The containers on screen: over the API, only their stats are streamed."""
        for feed in self.feeds.values():
            feed.show(container_ids)

    def show_footprints(self, footprints: list[ContainerFootprint]) -> None:
        """Feed the VM baseline pane, with the container selected in the list."""
        for pane in self.main_screen.query(BaselinePane):
            pane.update_figures(footprints, selected=self.containers.selected_id)

    def say_done(self, what: str, target: str, error: str = "") -> None:
        """Say how an action went."""
        if error:
            self.notify(f"{what} {target}: {error}", severity="error")
        else:
            self.notify(f"{what}: {target}")

    @while_open
    def on_action_done(self, message: ActionDone) -> None:
        """An action of the app's own workers (demo, compose projects) finished."""
        self.say_done(message.what, message.target, message.error)

    def action_reload(self) -> None:
        """Reload every engine's lists."""
        for feed in self.feeds.values():
            if feed.up:
                feed.reload()

    def engine_added(self, name: str) -> None:
        """A Host column, and a notice saying how to see one engine at a time."""
        self.containers.show_hosts()
        self.notify(f"watching {name} too: H shows one engine at a time")

    def action_next_engine(self) -> None:
        """Show the containers of all engines, then of each one in turn."""
        if not self.several_engines:
            self.notify(
                "one engine only: add a docker context from the palette (ctrl+p, Watch …), "
                "or start with --context all"
            )
            return
        names = [None, *self.backends]
        pane = self.containers
        pane.engine_filter = names[(names.index(pane.engine_filter) + 1) % len(names)]
        self.notify(f"showing {pane.engine_filter or 'every engine'}'s containers")
        pane.refresh_rows()

    @on(ContainersPane.Requested)
    def _container_requested(self, message: ContainersPane.Requested) -> None:
        if message.action is ContainerAction.LOGS and len(message.container_ids) > 1:
            first = self.containers.infos.get(message.container_id)
            title = f"project {project_name(first) if first else ''}"
            self.open_merged_logs(list(message.container_ids), title)  # a project's `l`
            return
        self.container_request(message.action, message.container_id)

    @on(ContainersPane.ProjectRequested)
    def _project_requested(self, message: ContainersPane.ProjectRequested) -> None:
        request_project_action(self, self.containers, message.action, message.project)

    def container_request(self, action: ContainerAction, container_id: str) -> None:
        """Run a container action: views, shell, or lifecycle (destructive ones ask first)."""
        info = self.containers.infos.get(container_id)
        if info is None or (action.changes and not self.allowed(action)):
            return
        if action is ContainerAction.DETAIL:
            self.push_screen(DetailScreen(info, self.clock, self.backend_of(info).processes))
        elif action is ContainerAction.LOGS:
            self.action_open_logs(container_id)
        elif action is ContainerAction.SHELL:
            self.open_shell(container_id)
        elif action.is_destructive:
            question = f"{action.capitalize()} container {info.name}?"

            def answered(yes: bool | None) -> None:
                if yes:
                    self.container_lifecycle(info, action)

            self.push_screen(ConfirmScreen(question), answered)
        else:
            if action is ContainerAction.PAUSE and info.state == "paused":
                action = ContainerAction.UNPAUSE
            self.container_lifecycle(info, action)

    def container_lifecycle(self, info: ContainerInfo, action: ContainerAction) -> None:
        """Hand a lifecycle action to the feed of the container's engine."""
        feed = self.feed_of(info)
        if feed is not None:
            feed.run_action(info.id, action, info.name)

    @on(InspectRequested)
    def _inspect_requested(self, message: InspectRequested) -> None:
        inspect = self.backend.inspect
        self.push_screen(InspectScreen(message.kind, message.ref, message.name, inspect))

    @on(ContainersPane.MergedLogsRequested)
    def _merged_logs_requested(self, message: ContainersPane.MergedLogsRequested) -> None:
        self.open_merged_logs(list(message.container_ids), message.title)

    def open_merged_logs(self, container_ids: list[str], title: str) -> None:
        """Several containers' logs in one view, ordered by time (one engine's at a time)."""
        known = self.containers.infos
        infos = [known[cid] for cid in container_ids if cid in known]
        if infos:
            backend = self.backend_of(infos[0])
            infos = [info for info in infos if self.backend_of(info) is backend]
            self.push_screen(LogsScreen(backend, infos, title=title))

    def action_open_logs(self, container_id: str) -> None:
        """Open the logs of a container."""
        info = self.containers.infos.get(container_id)
        if info is not None:
            self.push_screen(LogsScreen(self.backend_of(info), info))

    def open_shell(self, container_id: str) -> None:
        """Suspend the app and run `docker exec -it … sh` in a running container."""
        info = self.containers.infos.get(container_id)
        if not self.allowed("shell"):
            return
        if info is None or info.state != "running":
            self.notify("a shell needs a running container", severity="warning")
            return
        argv = self.backend_of(info).shell_argv(container_id)
        try:
            with self.suspend():
                print(f"$ {shlex.join(argv)}   (exit the shell to come back)", flush=True)
                subprocess.run(argv, check=False)
        except Exception as exc:  # SuspendNotSupported in a browser, or no docker CLI
            self.notify(f"cannot open a shell here: {exc}", severity="error")

    @on(ImagesPane.Requested)
    @while_open  # the first list's history request can arrive as a quick quit removes the panes
    def _image_requested(self, message: ImagesPane.Requested) -> None:
        image = self.images.images.get(message.image_id)
        feed = self.feeds.get(self.backend.name)
        if feed is None:
            return
        if message.action == "history":
            feed.load_history(message.image_id)
        elif message.action == "remove" and image is not None and self.allowed("image removal"):

            def answered(yes: bool | None) -> None:
                if yes:
                    feed.remove_image(image.id, image.name)

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
        elif tab in ("volumes", "networks", "swarm"):
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
        """The command palette lists every action of the dashboard (tui/views/palette.py)."""
        yield from super().get_system_commands(screen)
        yield from dashboard_commands(self)


def run_app(app: ContainerLabApp) -> int:
    """Run a wired dashboard (tui/wiring.py) in this terminal."""
    app.run()
    return app.return_code or 0
