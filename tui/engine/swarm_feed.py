"""The Swarm feed: find a manager among the engines given, keep its lists, follow its events.

Like EngineFeed, it owns its threads and reports through one callback (no Textual here).

- It asks each engine given for its Swarm membership and follows the first manager.
- The manager's event stream says when a node or a service changes; a task's changes are seen
  by the engine running it, so the feed also follows the container events of every member
  engine it can reach (the lab's cluster: all of them). Each event marks the lists dirty; the
  lists are read again once the events pause (`DEBOUNCE_SECONDS`). A task container's `die`
  event also ends its task in the readings (by its exit code) while the manager, which hears
  of it a moment later, still says it runs.
- No event says that a task was rejected or is still pending, so while a service is not
  converged (or an update runs) the lists are read again every `CONVERGE_SECONDS`; and when
  some node's engine cannot be followed, every `UNFOLLOWED_SECONDS`. A converged Swarm whose
  engines are all followed is read only when an event comes.
- When the manager stops answering it says so, and looks for a manager again.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import docker

from tui.engine import swarm_actions as actions
from tui.engine.client import connect
from tui.engine.contexts import EngineSpec
from tui.engine.events import EventStream
from tui.engine.swarm import (
    SwarmInfo,
    SwarmNode,
    SwarmService,
    SwarmTask,
    ended_by_exit,
    list_nodes,
    list_services,
    list_tasks,
    swarm_info,
    with_running,
)
from tui.engine.swarm_logs import TaskLogStream
from tui.errors import LabError

DEBOUNCE_SECONDS = 0.2
CONVERGE_SECONDS = 2.0
UNFOLLOWED_SECONDS = 10.0
SEARCH_SECONDS = 5.0  # between looks for a manager when none answers
TASK_LABEL = "com.docker.swarm.task.id"
EXITS_KEPT = 1000  # task containers' exit codes remembered (the oldest go first)
NODE_ACTIONS = ("drain", "pause", "activate")


@dataclass(frozen=True)
class SwarmReport:
    """Something the Swarm feed has to say."""


@dataclass(frozen=True)
class SwarmAbsent(SwarmReport):
    """No engine given is a Swarm manager: one reason per engine."""

    reasons: list[str]


@dataclass(frozen=True)
class SwarmFound(SwarmReport):
    """A manager answers: its engine, its Swarm, and the member engines followed (node id to
    engine name)."""

    engine: str
    url: str
    info: SwarmInfo
    followed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SwarmLoaded(SwarmReport):
    """The lists as the manager gives them now."""

    nodes: list[SwarmNode]
    services: list[SwarmService]
    tasks: list[SwarmTask]
    at: datetime
    exits: Mapping[str, int] = field(default_factory=dict)  # task id -> its container's exit


@dataclass(frozen=True)
class SwarmLost(SwarmReport):
    """The manager stopped answering; the feed looks for one again."""

    engine: str
    reason: str


@dataclass(frozen=True)
class SwarmActionDone(SwarmReport):
    """An action finished, or failed with `error`."""

    what: str
    target: str
    error: str = ""


# What a read-only dashboard may call on a SwarmFeed (tui/engine/read_only.py refuses the
# rest: `act` changes services and nodes, `manager_api` is the whole manager).
SWARM_FEED_READS = frozenset({"start", "close", "rescan", "task_logs", "ping"})


class SwarmFeed:
    """One Swarm, watched from background threads; see the module's docstring."""

    def __init__(
        self,
        engines: Callable[[], Sequence[EngineSpec]],
        report: Callable[[SwarmReport], None],
        *,
        converge_seconds: float = CONVERGE_SECONDS,
        unfollowed_seconds: float = UNFOLLOWED_SECONDS,
        search_seconds: float = SEARCH_SECONDS,
    ) -> None:
        self.engines = engines
        self._report = report
        self.converge_seconds = converge_seconds
        self.unfollowed_seconds = unfollowed_seconds
        self.search_seconds = search_seconds
        self._closed = threading.Event()
        self._dirty = threading.Event()
        self._lock = threading.Lock()
        self._manager: docker.DockerClient | None = None
        self._streams: list[EventStream] = []
        self._lost = threading.Event()
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="swarm-action")
        self._thread = threading.Thread(target=self._run, name="swarm-feed", daemon=True)
        self._exits: dict[str, int] = {}  # from the nodes' `die` events, by task id
        self.converged = True
        self.all_followed = True

    # Life --------------------------------------------------------------------------------

    def start(self) -> None:
        """Look for a manager and follow it, in the background."""
        self._thread.start()

    def close(self) -> None:
        """Stop every thread and stream; nothing is reported after this returns."""
        self._closed.set()
        self._dirty.set()
        self._drop_manager()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def rescan(self) -> None:
        """The engines given changed (one was added): look again when no manager is followed."""
        self._dirty.set()

    def _say(self, report: SwarmReport) -> None:
        if not self._closed.is_set():
            self._report(report)

    # The loop ----------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._closed.is_set():
            found = self._find_manager()
            if found is None:
                self._dirty.wait(self.search_seconds)
                self._dirty.clear()
                continue
            self._follow(found)

    def _find_manager(self) -> tuple[EngineSpec, docker.DockerClient, SwarmInfo] | None:
        reasons: list[str] = []
        for spec in self.engines():
            try:
                client = connect(spec, pool_size=16, timeout=30)
            except LabError as exc:
                reasons.append(f"{spec.name}: {exc}")
                continue
            try:
                info = swarm_info(client.api)
            except Exception as exc:
                client.close()
                reasons.append(f"{spec.name}: {exc}")
                continue
            if info.active and info.is_manager:
                return spec, client, info
            client.close()
            what = (
                "a Swarm worker (its manager shows the Swarm)"
                if info.active
                else (f"not in Swarm mode ({info.state})")
            )
            reasons.append(f"{spec.name}: {what}")
        self._say(SwarmAbsent(reasons))
        return None

    def _follow(self, found: tuple[EngineSpec, docker.DockerClient, SwarmInfo]) -> None:
        spec, client, info = found
        with self._lock:
            self._manager = client
            self._lost.clear()
        followed = self._follow_events(spec, client, info)
        self._say(SwarmFound(spec.name, spec.url, info, followed))
        self._dirty.set()
        reason = ""
        while not self._closed.is_set() and not self._lost.is_set():
            wait = None
            if not self.converged:
                wait = self.converge_seconds
            elif not self.all_followed:
                wait = self.unfollowed_seconds
            self._dirty.wait(wait)
            if self._closed.is_set():
                break
            time.sleep(DEBOUNCE_SECONDS)  # events come in bursts: read once per burst
            self._dirty.clear()
            try:
                self._load(client, followed)
            except Exception as exc:
                if not _answers(client):
                    reason = str(exc) or type(exc).__name__
                    break
        if not self._closed.is_set():  # lost: said once, whichever thread noticed first
            self._say(SwarmLost(spec.name, reason or "its event stream ended"))
        self._drop_manager()

    def _load(self, client: docker.DockerClient, followed: dict[str, str]) -> None:
        nodes = list_nodes(client.api)
        services = list_services(client.api)
        tasks = list_tasks(client.api)
        with self._lock:
            exits = dict(self._exits)
        tasks = [ended_by_exit(task, exits.get(task.id)) for task in tasks]
        services = [with_running(service, tasks) for service in services]
        self.converged = all(s.converged for s in services) and all(
            n.state == "ready" or n.availability == "drain" for n in nodes
        )
        self.all_followed = {n.id for n in nodes if n.state == "ready"} <= followed.keys()
        self._say(SwarmLoaded(nodes, services, tasks, datetime.now(UTC), exits))

    def _follow_events(
        self, manager: EngineSpec, client: docker.DockerClient, info: SwarmInfo
    ) -> dict[str, str]:
        """Start following the manager's events and each member's task containers; returns
        node id -> engine name of the engines followed."""
        followed = {info.node_id: manager.name}
        self._stream_events(manager.name, client, ("node", "service", "container"), manager=True)
        try:
            # A worker's `info` names no cluster (only managers know it): a member is an
            # engine whose node id is one of this manager's nodes.
            members = {node.id for node in list_nodes(client.api)}
        except Exception:  # the manager went: the next reading says so
            members = set()
        for spec in self.engines():
            if spec.url == manager.url:
                continue
            try:
                member = connect(spec, pool_size=4, timeout=30)
            except Exception:
                continue
            try:
                member_info = swarm_info(member.api)
            except Exception:
                member.close()
                continue
            if member_info.node_id not in members or not member_info.active:
                member.close()
                continue
            followed[member_info.node_id] = spec.name
            self._stream_events(spec.name, member, ("container",), manager=False)
        return followed

    def _stream_events(
        self, name: str, client: docker.DockerClient, types: Sequence[str], *, manager: bool
    ) -> None:
        def run() -> None:
            while not self._closed.is_set() and not self._lost.is_set():
                try:
                    stream = EventStream(client.api, types=types)
                except Exception:
                    if manager:
                        self._lost.set()
                        self._dirty.set()
                        return
                    self._closed.wait(self.converge_seconds)
                    continue
                with self._lock:
                    self._streams.append(stream)
                for event in stream:
                    if event.type != "container" or TASK_LABEL in event.attributes:
                        if event.action == "die":
                            self._note_exit(event.attributes)
                        self._dirty.set()
                if manager and not _answers(client):
                    self._dirty.set()  # the next read fails and says the manager is lost
                    self._closed.wait(self.converge_seconds)
            if not manager:
                client.close()

        threading.Thread(target=run, name=f"swarm-events-{name}", daemon=True).start()

    def _note_exit(self, attributes: Mapping[str, str]) -> None:
        """A task's container ended: its exit code, before the manager hears of it."""
        with contextlib.suppress(KeyError, ValueError), self._lock:
            self._exits[attributes[TASK_LABEL]] = int(attributes["exitCode"])
            if len(self._exits) > EXITS_KEPT:
                del self._exits[next(iter(self._exits))]

    def _drop_manager(self) -> None:
        with self._lock:
            streams, self._streams = self._streams, []
            client, self._manager = self._manager, None
            self._lost.set()
        for stream in streams:
            stream.close()
        if client is not None:
            client.close()

    # Requests ----------------------------------------------------------------------------

    def manager_api(self) -> docker.APIClient:
        """The manager's low-level client (LabError when none is followed)."""
        client = self._manager
        if client is None:
            raise LabError("no Swarm manager answers: see the Swarm tab's first line.")
        return client.api

    def act(self, action: str, target_id: str, target: str, value: int | str | None = None) -> None:
        """Run a service or node action in the background; SwarmActionDone says how it went."""

        def run() -> None:
            try:
                self._do(action, target_id, value)
            except Exception as exc:
                self._say(SwarmActionDone(action, target, str(exc)))
            else:
                self._say(SwarmActionDone(action, target))
            self._dirty.set()

        with contextlib.suppress(RuntimeError):  # closed meanwhile
            self._pool.submit(run)

    def _do(self, action: str, target_id: str, value: int | str | None) -> None:
        api = self.manager_api()
        if action == "scale":
            actions.scale_service(api, target_id, int(value or 0))
        elif action == "restart":
            actions.restart_service(api, target_id)
        elif action == "rollback":
            actions.rollback_service(api, target_id)
        elif action == "remove":
            actions.remove_service(api, target_id)
        elif action == "image":
            actions.update_image(api, target_id, str(value))
        elif action in NODE_ACTIONS:
            wanted = {"drain": "drain", "pause": "pause", "activate": "active"}[action]
            actions.set_availability(api, target_id, wanted)
        else:
            raise LabError(f"unknown Swarm action {action!r}.")

    def task_logs(
        self,
        task_id: str,
        *,
        follow: bool,
        tail: int | str,
        since: float | None = None,
        source: str = "",
    ) -> TaskLogStream:
        """One task's logs, through the manager."""
        return TaskLogStream(
            self.manager_api(), task_id, follow=follow, tail=tail, since=since, source=source
        )

    def ping(self) -> bool:
        """True while the manager answers."""
        client = self._manager
        return client is not None and _answers(client)


def _answers(client: docker.DockerClient) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False
