"""The Container Lab app: tabs for containers, images, training, the VM baseline and storage.

The CLI (tui/wiring.py) and the tests construct `ContainerLabApp` directly, handing it its
backends; `run_app` runs it in the terminal (tui/serve/ serves it to browsers). The
app owns its engines (`EngineFeeds`, views/engines.py) and routes their reports and the panes'
requests; each pane runs its own work (the lesson in the VM baseline pane, training in its pane).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.command import CommandPalette
from textual.content import Content
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import ThemeProvider
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Header, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from tui.engine import feed as engine_feed
from tui.engine.actions import ContainerAction
from tui.engine.backend import DashboardBackend, EngineOffer
from tui.engine.containers import ContainerInfo
from tui.engine.feed import FeedEvent
from tui.engine.footprint import ContainerFootprint
from tui.engine.logs.save import LogFiles
from tui.engine.stats.api import StatsSample
from tui.errors import LabError
from tui.lifetime import Ending, installed
from tui.preferences import Preferences
from tui.session import LabSession
from tui.text import printable
from tui.views.baseline.control import LessonControl
from tui.views.baseline.pane import BaselinePane, baseline_pane
from tui.views.containers.actions import request_container_action
from tui.views.containers.detail import DetailScreen
from tui.views.containers.pane import ContainersPane
from tui.views.containers.projects import request_project_action
from tui.views.engines import EngineAdded, EngineFeeds
from tui.views.formats import plain
from tui.views.guards import follow_ending, only_while, roomy_executor
from tui.views.images_pane import ImagesPane
from tui.views.inspect.screen import InspectScreen
from tui.views.logs.screen import LogsScreen
from tui.views.main_screen import MainScreen
from tui.views.messages import ActionDone, FeedMessage, InspectRequested, LogsRequested
from tui.views.palette import LabPalette, dashboard_commands
from tui.views.presenter import PresenterLink
from tui.views.projector import THEMES
from tui.views.prune_screen import PruneScreen
from tui.views.read_only import (
    guard_parts,
    hidden,
    palette_commands,
    refuses,
    resolve_action,
)
from tui.views.storage_panes import NetworksPane, VolumesPane
from tui.views.swarm.job_panel import ClusterJobPanel
from tui.views.swarm.pane import SwarmPane
from tui.views.training_pane import TrainingPane
from tui.views.widgets.boxes import hand_on
from tui.views.widgets.footer import LabFooter

REFRESH_SECONDS = 1.0  # uptimes change at most once a second; stats are shown as they come
NOTICE_SECONDS = 30  # a bad preference stays on screen long enough to be read and fixed
BASELINE_SECONDS = 5.0  # footprints are sampled only while the VM baseline tab is shown
DEFAULTS = Preferences()
VIEW_THREADS = 64  # the engine feeds have their own threads; these are the views' workers
LATER = {  # the tabs built when first shown (build_tabs)
    "training": "Training [3]",
    "baseline": "VM baseline [4]",
    "volumes": "Volumes [5]",
    "networks": "Networks [6]",
    "swarm": "Swarm [7]",
}
START_SWITCH_SECONDS = 0.001
START_BOUND = 2.0  # start-up (see started) is over by then even if no engine answers


# A worker's message or a timer's tick that comes after shutdown began is dropped: workers keep
# posting until their streams close, and Textual still delivers what is queued while it removes
# the screens (a pilot's shutdown especially).
while_open = only_while(lambda app: app.dashboard_open())
# The views of one container, closed when it is removed (a merged logs view has no one container).
ContainerView = DetailScreen | LogsScreen | InspectScreen


class ContainerLabApp(App[int]):
    """The dashboard. Hand it its engines' backends; it never blocks on an engine itself."""

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
        Binding("V", "present", "Present", show=False, id="present"),
        Binding("F", "follow", "Follow presenter", show=False, id="follow"),
    ]

    cleanup_worker: Worker[None] | None
    building: AwaitComplete | None
    starting: bool
    collecting: bool
    switching: float

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
                    several_engines=self.engines.several,
                    on_shown=self.engines.show,
                    id="containers-pane",
                )
            with TabPane("Images [2]", id="images"):
                yield ImagesPane(self.clock, lambda: self.engines.first_feed, id="images-pane")
            for tab, title in LATER.items():  # built when first shown (build_tabs)
                yield TabPane(title, id=tab)
        yield PresenterLink(
            self.lab.paths if self.lab is not None else None,
            go_to=self.open_tab,
            engine_of=self.engine_of,
            show_mode=self.show_mode,
            id="presenter-link",
        )
        yield LabFooter()

    def tab_contents(self, tab: str) -> list[Widget]:
        """What the tabs built when first shown hold (see build_tabs)."""
        first = self.engines.first
        if tab == "volumes":
            return [VolumesPane(first.volumes, first.remove_volume, self.allowed, id=f"{tab}-pane")]
        if tab == "networks":
            return [
                NetworksPane(first.networks, first.remove_network, self.allowed, id=f"{tab}-pane")
            ]
        if tab == "training":
            return [
                TrainingPane(self.lab, id="training-pane"),
                ClusterJobPanel(clock=self.clock, id="cluster-job"),
            ]
        if tab == "baseline":
            return [baseline_pane(self.lab, id="baseline-pane")]
        return [
            SwarmPane(
                lambda: self.containers.rows,
                clock=self.clock,
                watched=lambda: self.engines.backends.values(),
                paths=self.lab.paths if self.lab is not None else None,
                id="swarm-pane",
            )
        ]

    def build_tabs(self, *tabs: str) -> AwaitComplete:
        """Mount the contents of these hidden tabs (or all) if not built yet: in the DOM when
        this returns, mounted when its result is awaited.

        Two thirds of the dashboard's widgets are on the tabs after Images; each is built when
        first shown (or when the palette lists every command), so the tables are on screen
        sooner (bench/startup.py). The Training tab's cluster job is drawn by the Swarm pane:
        they are built together.
        """
        wanted = set(tabs or self.unbuilt)
        if "training" in wanted:
            wanted.add("swarm")
        mounting = []
        for tab in sorted(wanted & self.unbuilt) if self.dashboard_open() else []:
            self.unbuilt.discard(tab)
            pane = self.main_screen.query_one(f"#{tab}", TabPane)
            mounting.append(pane.mount(*self.tab_contents(tab)))
        built = AwaitComplete(*mounting)
        if mounting:
            self.building = built
        return built

    def tables_listed(self, engine: str, what: str) -> None:
        """Start-up ends once the first engine's tables are drawn."""
        if engine == self.engines.first.name and self.starting:
            self.listed.add(what)
            if self.listed >= {"containers", "images"}:
                self.call_after_refresh(self.started)

    def started(self) -> None:
        """Start-up is over: the collector and the usual thread switching again (on_load),
        and the feeds' first inspections."""
        self.engines.tables_drawn()
        if self.starting:
            sys.setswitchinterval(self.switching)
        self.starting = False
        if self.collecting and not gc.isenabled():
            gc.enable()

    def clean_leftovers(self) -> None:
        """Once the first engine answers: remove what lessons of apps that are gone (killed,
        say) left; a live one is spared (never read-only: a class watching changes nothing)."""
        if self.cleanup_worker is None and self.lab is not None and not self.read_only:
            self.cleanup_worker = self.remove_leftovers(self.lab)

    @work(thread=True, exclusive=True, group="lesson-cleanup", exit_on_error=False)
    def remove_leftovers(self, lab: LabSession) -> None:
        """The worker of clean_leftovers. The engine not answering is no news here: the
        banner says so already."""
        try:
            count = lab.clean_lesson_leftovers()
        except LabError:
            return
        if count:  # notify() posts a message: safe from here
            self.notify(f"removed {count} leftovers of an earlier lesson")

    def __init__(
        self,
        backend: DashboardBackend | Sequence[DashboardBackend],
        clock: Callable[[], datetime] | None = None,
        lab: LabSession | None = None,
        read_only: bool = False,
        preferences: Preferences = DEFAULTS,
        engine_offer: EngineOffer | None = None,
        present: bool = False,
    ) -> None:
        """Hand it the engines' backends (tui/wiring.py builds them; the first one also serves
        the images, volumes, networks and prune), the lab, the preferences and the engines it
        may add (the docker contexts not watched yet); `present`: this dashboard presents
        from the start (tui/views/presenter.py). Read-only, every part is wrapped so
        that it refuses any change (tui/views/read_only.py)."""
        super().__init__()
        backends = [backend] if not isinstance(backend, Sequence) else list(backend)
        files = LogFiles()
        if read_only:
            backends, lab, files = guard_parts(backends, lab, files)
            engine_offer = None  # read-only watches the engines it was started with
        self.engines = EngineFeeds(backends, self.report, engine_offer)
        self.files = files  # log files on this machine (the logs screen's save)
        self.clock = clock or (lambda: datetime.now(UTC))
        for theme in THEMES:  # the projector's, beside Textual's own
            self.register_theme(theme)
        self.lab = lab
        self.preferences = preferences
        self.read_only = read_only  # see allowed()
        self.present = present and not read_only
        if read_only:
            self.sub_title = "read-only"
        self.stalled: set[str] = set()  # containers whose stats stream went silent
        self.down: dict[str, str] = {}  # engine -> why it does not answer (its banner line)
        self.timers: list[Timer] = []
        self.ending: Ending | None = None  # how this process ends (not in headless tests)
        self.closing = False
        # The feeds start connecting before the panes exist (on_load): what they report until
        # on_mount is held here, then posted in order.
        self._early: list[FeedEvent] | None = []
        self._early_lock = threading.Lock()
        self.unbuilt = set(LATER)  # tabs whose contents wait (build_tabs)
        self.listed: set[str] = set()  # what the first engine has listed: containers, images
        self.building = None  # what build_tabs mounts last
        self.cleanup_worker = None  # clean_leftovers, once
        self.starting = True  # until the first tables are drawn (started)
        self.collecting = gc.isenabled()
        self.switching = sys.getswitchinterval()

    def allowed(self, what: str) -> bool:
        """False, with a notice, when `what` would change something in read-only mode (the
        panes' own check; the gate in run_action refuses undeclared actions before it)."""
        if self.read_only:
            self.notify(f"read-only: {what} is disabled", severity="warning")
            return False
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the app's actions that read-only mode refuses."""
        return not hidden(self, action, parameters)

    async def run_action(
        self,
        action: str | tuple[str, str, tuple[object, ...]],
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Every binding, footer click, markup link and palette command comes here: read-only
        mode runs only the actions declared safe (tui/views/read_only.py), deny by default."""
        if refuses(self, action, default_namespace, namespaces):
            return True  # handled: the key goes no further
        if self.screen_stack:  # a key that moves this dashboard by hand stops following
            _, name, _ = resolve_action(self, action, default_namespace, namespaces)
            for link in self.main_screen.query(PresenterLink):
                link.by_hand(name)
        return await super().run_action(action, default_namespace, namespaces)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice is plain text: names and errors from the engine carry brackets and
        control characters, never markup or terminal commands (`markup` is ignored)."""
        super().notify(
            printable(str(message)),
            title=printable(str(title)),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header's title, control characters shown as text (a container's name is in it)."""
        return super().format_title(printable(title), printable(sub_title))

    def get_default_screen(self) -> Screen[None]:
        """The dashboard's screen (see MainScreen)."""
        return MainScreen(id="_default")

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

    def on_key(self, event: events.Key) -> None:
        """Keys typed ahead of a box that opened are the box's (widgets/boxes.py)."""
        hand_on(self, event)

    def on_load(self) -> None:
        """Room for the views' thread workers (see roomy_executor); the engines start
        connecting while the panes are built (start-up to full tables, bench/startup.py)."""
        roomy_executor(VIEW_THREADS)
        # Until the first tables are drawn (started): no collection of the thousands of objects
        # start-up makes (none of them garbage), and the engine threads' replies are not held
        # 5 ms at each hand-over of the interpreter while the widgets are mounted.
        if self.collecting:
            gc.disable()
        sys.setswitchinterval(START_SWITCH_SECONDS)
        self.engines.start()

    def on_mount(self) -> None:
        """Connect in the background and refresh the table once a second."""
        self.main_screen.query_one("#banner", Static).display = False
        self.apply_preferences()
        # Now, not at the next turn as focus() would: the first frame is drawn focused
        # (a focus drawn later draws every row in view again).
        self.main_screen.set_focus(self.containers.table)
        for seconds, callback in [
            (REFRESH_SECONDS, self.refresh_containers),
            (BASELINE_SECONDS, self.refresh_baseline),
        ]:
            self.timers.append(self.set_interval(seconds, callback))
        with self._early_lock:  # from now on reports are posted, to be handled after these
            early, self._early = self._early or [], None
        # Handled here, not posted: the first rows are then in the table before the screen's
        # first frame, and DataTable measures them first (it draws rows it has not measured
        # at their columns' labels' widths, then all of them again; bench/startup.py).
        for event in early:
            self.on_feed_message(FeedMessage(event))
        follow_ending(self)
        self.set_timer(START_BOUND, self.started)
        if self.present:
            self.presenter.toggle_presenting()

    def report(self, event: FeedEvent) -> None:
        """An engine feed's report (from its threads): into the app's queue as a message
        (held until the panes are mounted)."""
        with self._early_lock:
            if self._early is not None:
                self._early.append(event)
                return
        if not self.closing:
            self.post_message(FeedMessage(event))

    def shutdown(self) -> None:
        """Close the feeds, stop the timers and cancel the workers (before the screens go)."""
        self.closing = True
        for timer in self.timers:
            timer.stop()
        self.engines.close()
        self.workers.cancel_all()

    def exit(self, result: int | None = None, return_code: int = 0, message: object = None) -> None:
        """Shut the engine side down first, then let Textual remove the screens (and with them
        the panes, which stop what they run: the lesson's container, sandbox and VM). A tab
        being built is mounted first: Textual cannot remove widgets halfway mounted."""
        self.shutdown()
        if self.building is None or self.building.is_done:
            super().exit(result, return_code, message)  # type: ignore[arg-type]
            return

        building = self.building

        async def when_mounted() -> None:
            with contextlib.suppress(Exception):  # whatever went wrong, the app still ends
                await building
            super(ContainerLabApp, self).exit(result, return_code, message)  # type: ignore[arg-type]

        self.call_next(when_mounted)

    def on_unmount(self) -> None:
        """A pilot's shutdown does not go through exit(): close everything here too; the
        ending bounds whatever comes after."""
        self.shutdown()
        self.started()
        if self.ending is not None:
            self.ending.begin(self.return_code or 0)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for failed workers: say so."""
        if event.state == WorkerState.ERROR and not self.closing:
            worker = event.worker
            self.notify(f"{worker.name or worker.group}: {worker.error}", severity="error")

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
        feed = self.engines.first_feed
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
        banner.update(plain(text, keep="\n"))
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
                self.tables_listed(engine, "containers")
                for info in infos:  # a view opened on a row listed before its inspect
                    for screen in self.screen_stack:
                        if isinstance(screen, DetailScreen) and screen.container_id == info.id:
                            screen.update_info(info)
            case engine_feed.ImagesLoaded(engine=engine, images=images):
                if engine == self.engines.first.name:
                    self.images.set_images(images)
                self.tables_listed(engine, "images")
            case engine_feed.HistoryLoaded(image_id=image_id, layers=layers):
                self.images.set_history(image_id, layers)
            case engine_feed.StatsStalledEvent(container_id=cid, reason=reason):
                if cid not in self.stalled:
                    self.stalled.add(cid)
                    self.notify(f"{reason}; retrying", severity="warning", timeout=6)
                self.containers.rows.samples.pop(cid, None)  # no stale figures; history stays
            case engine_feed.EngineRequestDone(what=what, target=target, error=error):
                self.say_done(what, target, error)
            case engine_feed.FootprintsLoaded(footprints=footprints):
                self.show_footprints(footprints)
            case EngineAdded(engine=name):  # a Host column, and how to see one engine at a time
                self.containers.show_hosts()
                self.notify(f"watching {name} too: H shows one engine at a time")
            case _:
                self.engine_changed(event)

    def engine_changed(self, event: engine_feed.FeedEvent) -> None:
        """An engine answered, is not there, or stopped answering: its banner line says so."""
        engine = event.engine
        label = f"{engine}: " if self.engines.several else ""
        if isinstance(event, engine_feed.EngineDown):
            self.down[engine] = f"{label}{event.reason}\nRetrying by itself every few seconds."
        elif isinstance(event, engine_feed.EngineLost):
            # Its rows stay as last seen (the banner line says they are stale) until it answers.
            self.down[engine] = f"{label}The engine at {event.description} stopped answering."
        elif isinstance(event, engine_feed.EngineUp):
            if engine == self.engines.first.name:
                self.clean_leftovers()
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
            if not isinstance(screen, ContainerView) or screen.container_id != container_id:
                continue
            if info is None:
                self.close_views_of(screen, "was removed")
            elif isinstance(screen, DetailScreen):
                screen.update_info(info)

    def close_views_of(self, screen: ContainerView, why: str) -> None:
        """Close a view whose container went away (and the screens above it), with a notice."""
        if screen not in self.screen_stack:
            return
        while screen in self.screen_stack:
            self.pop_screen()
        name = "the container" if isinstance(screen, InspectScreen) else screen.info.name
        self.notify(f"{name} {why}; its view was closed", severity="warning")

    def take_samples(self) -> list[StatsSample]:
        """The samples the feeds have waiting; a container that sends them is no longer stalled."""
        samples = self.engines.take_samples()
        for sample in samples:
            self.stalled.discard(sample.container_id)
        return samples

    def show_footprints(self, footprints: list[ContainerFootprint]) -> None:
        """Feed the VM baseline pane, with the container selected in the list."""
        for pane in self.main_screen.query(BaselinePane):
            pane.update_figures(footprints, selected=self.containers.selected_id)

    def say_done(self, what: str, target: str, error: str = "") -> None:
        """Say how an action went."""
        failed: SeverityLevel = "error" if error else "information"
        self.notify(f"{what} {target}: {error}" if error else f"{what}: {target}", severity=failed)

    @while_open
    def on_action_done(self, message: ActionDone) -> None:
        """An action of the app's own workers (demo, compose projects) finished."""
        self.say_done(message.what, message.target, message.error)

    def action_reload(self) -> None:
        """Reload every engine's lists."""
        self.engines.reload()

    def add_engine(self, name: str) -> None:
        """Watch the offered engine `name` too (a docker context), from now on."""
        try:
            self.engines.add(name)
        except LabError as exc:
            self.notify(str(exc), severity="error")

    def action_next_engine(self) -> None:
        """Show the containers of all engines, then of each one in turn."""
        if not self.engines.several:
            self.notify(
                "one engine only: add a docker context from the palette (ctrl+p, Watch …), "
                "or start with --context all"
            )
            return
        names, rows = [None, *self.engines.backends], self.containers.rows
        rows.engine_filter = names[(names.index(rows.engine_filter) + 1) % len(names)]
        self.notify(f"showing {rows.engine_filter or 'every engine'}'s containers")
        self.containers.refresh_rows()

    @on(ContainersPane.Requested)
    @while_open
    def _container_requested(self, message: ContainersPane.Requested) -> None:
        self.container_request(message.action, message.container_id)

    @on(ContainersPane.ProjectRequested)
    @while_open
    def _project_requested(self, message: ContainersPane.ProjectRequested) -> None:
        rows, first = self.containers.rows, self.engines.first
        project = rows.groups.projects.get(message.project)
        request_project_action(self, first, project, rows.infos, message.action)

    def container_request(self, action: ContainerAction, container_id: str) -> None:
        """Run a container action: views, shell, or lifecycle (destructive ones ask first)."""
        request_container_action(self, self.engines, self.containers, action, container_id)

    @on(InspectRequested)
    def _inspect_requested(self, message: InspectRequested) -> None:
        inspect = self.engines.first.inspect
        self.push_screen(InspectScreen(message.kind, message.ref, message.name, inspect))

    @on(LogsRequested)
    def _logs_requested(self, message: LogsRequested) -> None:
        self.open_logs(message.container_ids, message.title)

    def open_logs(self, container_ids: Sequence[str], title: str = "") -> None:
        """A container's logs, or several merged in one view by time (one engine's at a time)."""
        known = self.containers.rows.infos
        infos = [known[cid] for cid in container_ids if cid in known]
        if infos:
            backend = self.engines.backend_of(infos[0])
            infos = [info for info in infos if self.engines.backend_of(info) is backend]
            self.push_screen(LogsScreen(backend, infos, title=title, files=self.files))

    def on_lesson_control_started(self) -> None:
        """The lesson runs (maybe from the palette): its tab comes forward."""
        self.show_tab("baseline")

    def on_lesson_control_ended(self, message: LessonControl.Ended) -> None:
        """The lesson's containers leave the VM baseline's table now, not in 5 s."""
        if message.stopped:
            self.refresh_baseline()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """A click on the VM baseline tab gives its keys (m, x, c) the focus, as `4` does."""
        tab = str(event.tabbed_content.active)
        if tab in self.unbuilt:  # shown (a click) before it was built
            self.open_tab(tab)
            return
        if tab == "baseline":
            pane = self.main_screen.query_one("#baseline-pane")
            if pane.can_focus and not pane.has_focus_within:
                pane.focus()

    async def action_tab(self, tab: str) -> None:
        """Switch to a tab (built first if it never was shown) and focus the widget that takes
        its keys.

        Every tab moves the focus: a focused widget left behind on a hidden tab hands it to a
        still-visible sibling (the images table to the layers table), and a focused widget
        pulls its tab forward again (`4` from Images stayed on Images).
        """
        if tab in self.unbuilt:  # shown once its contents are mounted (a tenth of a second)
            await self.build_tabs(tab)
        self.show_tab(tab)

    def open_tab(self, tab: str) -> None:
        """action_tab from code that cannot wait for it (a presenter followed, a click)."""
        self.call_next(self.action_tab, tab)

    def show_tab(self, tab: str) -> None:
        """Switch to a built tab and focus the widget that takes its keys."""
        tabs = self.main_screen.query_one(TabbedContent)
        if not tabs.query(f"#{tab}") or not self.dashboard_open():
            return
        tabs.active = tab
        screen = self.main_screen
        if tab == "baseline":  # its "unavailable" placeholder takes no focus: none then
            pane = screen.query_one("#baseline-pane")
            screen.set_focus(pane if pane.can_focus else None)
            self.refresh_baseline()
        elif tab == "training":
            screen.query_one(TrainingPane).focus()
        elif tab in ("images", "containers"):
            (self.images if tab == "images" else self.containers).table.focus()
        else:  # volumes, networks, swarm: one table takes the pane's keys
            screen.query_one(f"#{tab}-pane").query_one("KeyedTable").focus()

    def action_prune(self) -> None:
        """The prune preview: what each prune would free, then prune the ticked ones."""
        first = self.engines.first
        if self.engines.up and self.allowed("pruning"):
            self.push_screen(PruneScreen(first.prune_plans, first.prune))

    @property
    def presenter(self) -> PresenterLink:
        """Presents this dashboard's view, or follows the lab's presenter."""
        return self.main_screen.query_one(PresenterLink)

    def action_present(self) -> None:
        """Present this dashboard's tab and row to the lab's followers, or stop."""
        self.presenter.toggle_presenting()

    def action_follow(self) -> None:
        """Follow the lab's presenter's tab and row, or stop."""
        self.presenter.toggle_following()

    def show_mode(self, mode: str) -> None:
        """The subtitle says what this dashboard is: read-only, presenting, following whom."""
        self.sub_title = " · ".join(part for part in ("read-only" * self.read_only, mode) if part)

    def engine_of(self, tab: str, row: str) -> str:
        """The engine a row of `tab` belongs to (a container's own; else the first engine)."""
        info = self.containers.rows.infos.get(row) if tab == "containers" else None
        return (info.engine if info is not None else "") or self.engines.first.name

    def action_toggle_help(self) -> None:
        """Show or hide every key binding."""
        shown = bool(self.screen.query("HelpPanel"))
        (self.action_hide_help_panel if shown else self.action_show_help_panel)()

    def action_command_palette(self) -> None:
        """The palette, at once (keys typed next go into it), listing the commands of every
        tab: tabs never shown are built first (in the DOM at once, where the palette's search
        finds their commands; mounted a moment later)."""
        self.build_tabs()
        self.open_palette()

    def open_palette(self) -> None:
        """Textual's action_command_palette, with its palette made safe to close (LabPalette).

        No id, unlike Textual's: a palette dismissed a moment ago is still being removed, and
        a second one with its id ended the app (DuplicateIds) on `escape` then `ctrl+p`."""
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(LabPalette())

    def search_themes(self) -> None:
        """Textual's theme picker, in a palette as safe to close as the command palette."""
        self.push_screen(LabPalette(providers=[ThemeProvider], placeholder="Search for themes…"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette lists every action of the dashboard (tui/views/palette.py);
        read-only, only those the gate lets through. The palette builds every tab first
        (action_command_palette): a tab never built has no commands here yet."""
        every = itertools.chain(super().get_system_commands(screen), dashboard_commands(self))
        yield from palette_commands(self, every)


def run_app(app: ContainerLabApp) -> int:
    """Run a wired dashboard (tui/wiring.py) in this terminal; however it ends (a signal, the
    terminal gone, start-up included), it is gone within seconds (tui/lifetime.py)."""
    app.ending = installed() or Ending().install()
    app.run()
    return app.return_code or 0
