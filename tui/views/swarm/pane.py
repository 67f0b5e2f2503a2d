"""The Swarm tab: nodes, services and tasks of any Swarm a watched engine manages, its actions,
a service's logs, and the orchestration lesson on the lab's own cluster.

The pane owns its workers: a `SwarmFeed` (tui/engine/swarm_feed.py) finds a manager among the
engines the dashboard watches and reports from its threads; the lesson runs in thread workers.
Every action is refused in read-only mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from tui.cluster.plan import ClusterState, cluster_with_url
from tui.engine.contexts import EngineSpec
from tui.engine.read_only import read_only
from tui.engine.swarm_feed import (
    SWARM_FEED_READS,
    SwarmAbsent,
    SwarmActionDone,
    SwarmFeed,
    SwarmFound,
    SwarmLoaded,
    SwarmLost,
    SwarmReport,
)
from tui.paths import LabPaths
from tui.views.colours import BAD, NODE_COLOURS, css_variables
from tui.views.guards import unless_removed
from tui.views.logs.screen import LogsScreen
from tui.views.read_only import allowed, hidden, is_read_only
from tui.views.swarm.job_panel import ClusterJobPanel
from tui.views.swarm.lesson_panel import (
    FULL,
    LAST,
    RUNS_ELSEWHERE,
    LessonShown,
    OrchestrationPanel,
)
from tui.views.swarm.messages import SwarmMessage
from tui.views.swarm.rows import plain, swarm_title
from tui.views.swarm.service_logs import TaskLogs, logged_tasks, task_info
from tui.views.swarm.tables import SampleSource, SwarmTables
from tui.views.widgets.confirm import ConfirmScreen

REFRESH_SECONDS = 1.0  # ages and stats; the lists themselves come with the events
MAX_REPLICAS = 1000
ABSENT_HINT = (
    "No engine watched here manages a Swarm. `./lab cluster up` makes the lab's own cluster; "
    "then watch its manager: `./lab dashboard --context lab-node-1`, or ctrl+p Watch lab-node-1."
)
ROOMY_ROWS = 40  # from this height on, the tables stay under the lesson
NODE_CSS = {str(index): colour for index, colour in enumerate(NODE_COLOURS, 1)}


class SwarmPane(Vertical, can_focus=False):
    """One Swarm, live; see the module's docstring."""

    DEFAULT_CSS = css_variables(NODE_CSS, "node-") + Path(__file__).with_name(
        "swarm.tcss"
    ).read_text(encoding="utf-8")
    BINDINGS = [  # noqa: RUF012
        Binding("s", "scale", "Scale"),
        Binding("r", "restart", "Rolling restart"),
        Binding("b", "rollback", "Rollback"),
        Binding("D,delete", "remove", "Remove service", id="remove"),
        Binding("l", "logs", "Service logs", id="logs"),
        Binding("d", "drain", "Drain node"),
        Binding("p", "pause_node", "Pause node"),
        Binding("a", "activate", "Activate node"),
        Binding("m", "lesson", "Lesson"),
        Binding("x", "stop", "Stop lesson"),
    ]

    def __init__(
        self,
        stats: Callable[[], SampleSource | None] = lambda: None,
        engines: Callable[[], Sequence[EngineSpec]] | None = None,
        clock: Callable[[], datetime] | None = None,
        watched: Callable[[], Iterable[object]] = tuple,
        paths: LabPaths | None = None,
        **kwargs: str,
    ) -> None:
        """`stats`: where the containers' samples are kept; `engines`: which to look at (by
        default the engines of the backends `watched` gives, the app's, and the other nodes of
        a lab cluster); `paths`: the lab whose one orchestration lesson the tab runs or shows."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.paths = paths
        self.stats = stats
        self.engines = engines
        self.watched = watched
        self.clock = clock or (lambda: datetime.now(UTC))
        self.specs: list[EngineSpec] = []
        self.feed: SwarmFeed | None = None
        self.found: SwarmFound | None = None
        self.cluster: ClusterState | None = None
        self.prompt_for = ""  # the service id the scale prompt is for
        self.lost_from = ""  # the manager that stopped answering (its rows stay shown)

    def compose(self) -> ComposeResult:
        yield Label("Looking for a Swarm manager among the engines watched…", id="swarm-title")
        yield Static(ABSENT_HINT, id="swarm-absent")
        yield OrchestrationPanel(self.paths, id="orchestration")
        yield SwarmTables(self.stats, self.clock, id="swarm-tables")
        yield Input(id="swarm-prompt")

    @property
    def tables(self) -> SwarmTables:
        """The nodes, services and tasks."""
        return self.query_one(SwarmTables)

    @property
    def panel(self) -> OrchestrationPanel:
        """The lesson's panel."""
        return self.query_one(OrchestrationPanel)

    def on_mount(self) -> None:
        """Start the feed; refresh ages and stats every second."""
        self.specs = self.watched_specs()
        feed = SwarmFeed(lambda: list(self.specs), self.feed_report)
        if is_read_only(self):  # below the gate: its actions are refused whoever asks
            feed = read_only(feed, SWARM_FEED_READS, "the Swarm")
        self.feed = feed
        self.feed.start()
        self.set_interval(REFRESH_SECONDS, self.tick)

    def on_unmount(self) -> None:
        """Close the feed (the lesson's panel stops the lesson itself)."""
        if self.feed is not None:
            self.feed.close()

    def feed_report(self, report: SwarmReport) -> None:
        """The feed's report (from its threads), as a message."""
        self.post_message(SwarmMessage(report))

    def watched_specs(self) -> list[EngineSpec]:
        """The engines to look at: those given, else the app's, with a lab cluster's nodes."""
        if self.engines is not None:
            return list(self.engines())
        specs = [s for b in self.watched() if isinstance(s := getattr(b, "spec", None), EngineSpec)]
        for spec in list(specs):
            state = cluster_with_url(spec.url)
            for node in state.nodes if state else ():
                specs.append(EngineSpec(node.context or node.hostname, node.url, None, "cluster"))
        unique: dict[str, EngineSpec] = {}
        for spec in specs:
            unique.setdefault(spec.url, spec)
        return list(unique.values())

    @unless_removed
    def tick(self) -> None:
        """Once a second: an engine added meanwhile is looked at; ages and stats redrawn."""
        specs = self.watched_specs()
        if [s.url for s in specs] != [s.url for s in self.specs]:
            self.specs = specs
            if self.feed is not None:
                self.feed.rescan()
        if self.region.area and self.tables.loaded is not None:
            self.tables.show_services()
            self.tables.show_tasks()
        self.panel.sample()

    def on_resize(self) -> None:
        """On a small screen the lesson takes the room of the tables while it is shown."""
        self.set_class(self.size.height >= ROOMY_ROWS, "roomy")

    # The feed -------------------------------------------------------------------------------

    @on(SwarmMessage)
    @unless_removed
    def _report(self, message: SwarmMessage) -> None:
        report = message.report
        title = self.query_one("#swarm-title", Label)
        absent = self.query_one("#swarm-absent", Static)
        if isinstance(report, SwarmAbsent) and self.lost_from:
            why = "; ".join(plain(r) for r in report.reasons)
            title.update(
                Text(
                    f"The manager {self.lost_from} stopped answering, and no engine watched "
                    f"manages a Swarm now ({why}); rows as last seen, retrying…",
                    style=f"bold {BAD}",
                )
            )
        elif isinstance(report, SwarmAbsent):
            self.found = None
            title.update("No Swarm manager among the engines watched")
            lines = [ABSENT_HINT, *(f"  {plain(r)}" for r in report.reasons)]
            absent.update(Text("\n".join(lines)))  # engine errors: never markup
            self.set_class(True, "absent")
        elif isinstance(report, SwarmFound):
            self.found = report
            self.lost_from = ""
            self.cluster = cluster_with_url(report.url)
            self.set_class(False, "absent")
            title.update(Text(f"Swarm {report.info.cluster_id[:12]} via {report.engine}: reading…"))
        elif isinstance(report, SwarmLoaded) and self.found is not None:
            info = self.found.info
            title.update(
                Text(
                    swarm_title(
                        self.found.engine,
                        info.cluster_id,
                        report.nodes,
                        len(report.services),
                        info.heartbeat_seconds,
                    )
                )
            )
            self.tables.show(report)
            for panel in self.app.query(ClusterJobPanel):  # the Training tab's cluster job
                panel.show_loaded(report)
        elif isinstance(report, SwarmLost):
            self.lost_from = report.engine
            title.update(
                Text(
                    f"The manager {report.engine} stopped answering ({plain(report.reason)}); "
                    "rows as last seen, looking for a manager again…",
                    style=f"bold {BAD}",
                )
            )
        elif isinstance(report, SwarmActionDone):
            if report.error:
                self.app.notify(f"{report.what} {report.target}: {report.error}", severity="error")
            else:
                self.app.notify(f"{report.what}: {report.target}")

    # Actions ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the changing actions in read-only mode."""
        return not hidden(self, action, parameters)

    def _service_for(self, what: str) -> tuple[SwarmFeed, str, str] | None:
        service = self.tables.selected_service
        if not allowed(self, what):
            return None
        if self.feed is None or service is None:
            self.app.notify(f"{what}: select a service first", severity="warning")
            return None
        return self.feed, service.id, service.name

    def _node_for(self, what: str) -> tuple[SwarmFeed, str, str] | None:
        node = self.tables.selected_node
        if not allowed(self, what):
            return None
        if self.feed is None or node is None:
            self.app.notify(f"{what}: select a node first", severity="warning")
            return None
        return self.feed, node.id, node.hostname

    def _ask(self, question: str, then: Callable[[], None]) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(question), answered)

    def action_scale(self) -> None:
        """Ask for the number of replicas of the selected service."""
        chosen = self._service_for("scaling")
        if chosen is None:
            return
        service = self.tables.services[chosen[1]]
        self.prompt_for = service.id
        prompt = self.query_one("#swarm-prompt", Input)
        prompt.placeholder = f"replicas of {service.name} (now {service.desired}); enter scales"
        prompt.value = ""
        prompt.add_class("shown")
        prompt.focus()

    @on(Input.Submitted, "#swarm-prompt")
    def _scale_entered(self, event: Input.Submitted) -> None:
        prompt = event.input
        prompt.remove_class("shown")
        self.tables.table("services").focus()
        service = self.tables.services.get(self.prompt_for)
        text = event.value.strip()
        if service is None or not text:
            return
        if not text.isdigit() or int(text) > MAX_REPLICAS:
            self.app.notify(
                f"replicas: {text!r} is not a whole number from 0 to {MAX_REPLICAS}; "
                f"{service.name} keeps {service.desired}",
                severity="error",
            )
            return
        chosen = self._service_for("scaling")
        if chosen is not None:
            feed, service_id, name = chosen
            feed.act("scale", service_id, f"{name} to {int(text)}", int(text))

    def key_escape(self) -> None:
        """Escape closes the scale prompt."""
        self.query_one("#swarm-prompt", Input).remove_class("shown")

    def action_restart(self) -> None:
        """A rolling restart with the service's own update settings (asks first)."""
        if chosen := self._service_for("rolling restart"):
            feed, service_id, name = chosen
            self._ask(
                f"Restart every task of {name}, one batch at a time as its update settings say?",
                lambda: feed.act("restart", service_id, name),
            )

    def action_rollback(self) -> None:
        """Back to the service's previous spec (asks first)."""
        if chosen := self._service_for("rollback"):
            feed, service_id, name = chosen
            self._ask(f"Roll {name} back to its previous version?",
                      lambda: feed.act("rollback", service_id, name))  # fmt: skip

    def action_remove(self) -> None:
        """Remove the selected service and its tasks (asks first)."""
        if chosen := self._service_for("service removal"):
            feed, service_id, name = chosen
            self._ask(f"Remove service {name} and all its tasks?",
                      lambda: feed.act("remove", service_id, name))  # fmt: skip

    def action_drain(self) -> None:
        """Drain the selected node: its tasks move elsewhere (asks first)."""
        if chosen := self._node_for("draining"):
            feed, node_id, name = chosen
            self._ask(f"Drain {name}? Its tasks move to the other nodes.",
                      lambda: feed.act("drain", node_id, name))  # fmt: skip

    def action_pause_node(self) -> None:
        """Pause the selected node: no new tasks there, its tasks keep running."""
        if chosen := self._node_for("pausing a node"):
            feed, node_id, name = chosen
            feed.act("pause", node_id, name)

    def action_activate(self) -> None:
        """Make the selected node active again."""
        if chosen := self._node_for("activating a node"):
            feed, node_id, name = chosen
            feed.act("activate", node_id, name)

    def action_logs(self) -> None:
        """The selected service's logs, its tasks merged, through the manager."""
        service = self.tables.selected_service
        loaded = self.tables.loaded
        if self.feed is None or service is None or loaded is None:
            self.app.notify("logs: select a service first", severity="warning")
            return
        names = {node.id: node.hostname for node in loaded.nodes}
        tasks = logged_tasks(loaded.tasks, service.id)
        if not tasks:
            self.app.notify(f"{service.name} has no task that ran yet", severity="warning")
            return
        infos = [task_info(task, service, names) for task in tasks]
        backend = TaskLogs(self.feed).as_backend()
        self.app.push_screen(LogsScreen(backend, infos, title=f"service {service.name}"))

    # The lesson ---------------------------------------------------------------------------

    def action_lesson(self) -> None:
        """Run the orchestration lesson on the lab's cluster this Swarm is."""
        if not allowed(self, "the orchestration lesson"):
            return
        if self.panel.lesson is not None:
            self.app.notify("the lesson is running (or left up): x stops it", severity="warning")
            return
        if self.panel.watched.running:  # the lab's lesson, shown here already
            self.app.notify(RUNS_ELSEWHERE)
            return
        if self.cluster is None:
            self.app.notify(
                "the lesson runs on the lab's own cluster (it stops a node's engine): "
                "`./lab cluster up`, then watch lab-node-1",
                severity="warning",
            )
            return
        self.panel.start(self.cluster)

    def action_stop(self) -> None:
        """Stop the lesson: its service removed, a stopped engine or drained node restored."""
        if allowed(self, "stopping the lesson"):
            self.panel.stop()

    @on(LessonShown)
    def _lesson_shown(self, message: LessonShown) -> None:
        self.set_class(message.shown == FULL, "lesson")
        self.set_class(message.shown == LAST, "last-lesson")
