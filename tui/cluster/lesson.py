"""The orchestration lesson: a scheduler at work on the lab's own cluster, each step measured.

1. deploy the demo service (3 replicas) and watch them spread over the nodes;
2. kill one task's container: Swarm replaces it (time to replace);
3. stop one node's engine: the manager notices the node down (time to notice) and starts its
   tasks elsewhere (time to reschedule); the engine is started again afterwards;
4. drain a node: its tasks move (time to drain); it is made active again;
5. a rolling update v1 -> v2, one task at a time, new beside old (update duration).

The lesson measures from the manager's own answers, read every `POLL_SECONDS`; every wait is
bounded, and a step that does not happen in time says what Swarm reported and the lesson goes
on. What it made (the service) stays up until `stop()`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tui.cluster import host
from tui.cluster.demo_service import demo_service_spec
from tui.cluster.plan import ClusterState, NodeState
from tui.cluster.provision import DEMO_IMAGE
from tui.engine.actions import ContainerAction
from tui.engine.client import EngineClient
from tui.engine.containers import container_action
from tui.engine.errors import engine_errors
from tui.engine.swarm import SwarmNode, SwarmTask, list_nodes, list_tasks, swarm_info
from tui.engine.swarm_actions import (
    create_service,
    labelled_services,
    remove_service,
    set_availability,
    update_image,
)
from tui.engine.swarm_setup import open_engine, wait_answers
from tui.errors import LabError
from tui.guardian import PipeGuardian

SERVICE = "lesson-web"
LESSON_LABEL = "org.container-lab.lesson"
REPLICAS = 3
POLL_SECONDS = 0.2
STEP_SECONDS = 120.0  # the most a step may take before the lesson says so and goes on
STEPS = ("deploy", "replace", "notice", "reschedule", "drain", "update")
STEP_TITLES = {
    "deploy": "deploy 3 replicas",
    "replace": "replace a killed task",
    "notice": "notice a node down",
    "reschedule": "reschedule its tasks",
    "drain": "drain a node",
    "update": "rolling update v1 → v2",
}
Phase = Callable[[str, str], None]


def plain_error(text: str) -> str:
    """An engine's error on one line."""
    return " ".join(text.split())


def kill_container(client: EngineClient, container_id: str) -> None:
    """SIGKILL one container (a task's), through its node's engine."""
    with engine_errors():
        container_action(client.api, container_id, ContainerAction.KILL)


@dataclass(frozen=True)
class StepResult:
    """One measured step: how long it took (None: it did not happen in time) and what happened."""

    key: str
    seconds: float | None
    note: str = ""

    @property
    def ok(self) -> bool:
        """The step happened within its bound."""
        return self.seconds is not None


@dataclass
class LessonView:
    """What the lesson's service looks like now: the nodes and its tasks (for the live view)."""

    nodes: list[SwarmNode] = field(default_factory=list)
    tasks: list[SwarmTask] = field(default_factory=list)
    error: str = ""


class ClusterGuardian(PipeGuardian):
    """The lesson's guardian (tui/cluster/guardian.py), which tells `lab_folder`'s viewers."""

    def __init__(self, state_file: Path, lab_folder: Path | None = None) -> None:
        lab = [str(lab_folder)] if lab_folder else []
        super().__init__("tui.cluster.guardian", str(state_file), *lab)


class StepTimedOut(LabError):
    """A step did not happen within its bound."""


class OrchestrationLesson:
    """One run of the lesson on the cluster `state` describes (see the module's docstring)."""

    def __init__(
        self,
        state: ClusterState,
        on_phase: Phase = lambda step, text: None,
        *,
        step_seconds: float = STEP_SECONDS,
        lab_folder: Path | None = None,
    ) -> None:
        """`lab_folder`: the lab whose viewers its guardian tells, if the runner is killed."""
        if len(state.nodes) < 2:
            raise LabError("the lesson needs a cluster of 2 nodes or more: ./lab cluster up")
        self.state = state
        self.on_phase = on_phase
        self.step_seconds = step_seconds
        self.results: dict[str, StepResult] = {}
        self._cancel = threading.Event()
        self._manager: EngineClient | None = None
        self.service_id = ""
        self.stopped_node: NodeState | None = None
        self.drained_node = ""  # its id, while drained
        self.drained_name = ""
        self.heartbeat_seconds = state.heartbeat_seconds
        self._prepared = False  # an earlier run's service removed, the heartbeat read
        self.lab_folder = lab_folder
        self.guardian: ClusterGuardian | None = None  # undoes it all if the runner is killed

    # Reading the Swarm --------------------------------------------------------------------

    def manager(self) -> EngineClient:
        """The manager's client (made on first use)."""
        if self._manager is None:
            self._manager = open_engine(self.state.manager.url, timeout=60)
        return self._manager

    def view(self) -> LessonView:
        """The nodes and the lesson service's tasks now (any thread)."""
        try:
            api = self.manager().api
            tasks = list_tasks(api, self.service_id) if self.service_id else []
            return LessonView(list_nodes(api), tasks)
        except Exception as exc:
            return LessonView(error=f"the manager does not answer: {exc}")

    def _live(self) -> list[SwarmTask]:
        return [t for t in list_tasks(self.manager().api, self.service_id) if t.live]

    def _running(self) -> list[SwarmTask]:
        return [t for t in self._live() if t.running]

    def _wait(self, what: str, done: Callable[[], bool]) -> float:
        """Seconds until `done()` (read every POLL_SECONDS); StepTimedOut past the bound.

        A manager that does not answer for a moment (its engine restarting) is waited for.
        """
        started = time.monotonic()
        while time.monotonic() - started < self.step_seconds:
            if self._cancel.is_set():
                raise LabError("the lesson was stopped")
            try:
                if done():
                    return time.monotonic() - started
            except LabError:
                raise
            except Exception:
                self.on_phase("manager", "the manager's engine does not answer; waiting for it")
            time.sleep(POLL_SECONDS)
        raise StepTimedOut(f"{what} did not happen within {self.step_seconds:.0f} s{self._why()}")

    def _why(self) -> str:
        """What Swarm says about tasks that do not run (errors), for a step that timed out."""
        with contextlib.suppress(Exception):
            tasks = list_tasks(self.manager().api, self.service_id) if self.service_id else []
            errors = {plain_error(t.error) for t in tasks if t.error}
            if errors:
                return ": " + "; ".join(sorted(errors)[:3])
        return ""

    def _record(self, key: str, seconds: float | None, note: str) -> None:
        self.results[key] = StepResult(key, seconds, note)
        self.on_phase(key, note)

    def _step(self, key: str, run: Callable[[], None]) -> None:
        """Run one step; a step that times out is recorded as such and the lesson goes on."""
        if self._cancel.is_set():
            return
        try:
            run()
        except StepTimedOut as exc:
            self._record(key, None, str(exc))

    # The lesson ---------------------------------------------------------------------------

    def run(self) -> dict[str, StepResult]:
        """Every step in turn (a minute or two); the results by step."""
        return self.run_steps(("deploy", "replace", "notice", "drain", "update"))

    def run_steps(self, keys: tuple[str, ...]) -> dict[str, StepResult]:
        """These steps in turn (`notice` also reschedules); the results by step."""
        api = self.manager().api
        if not self._prepared:
            self._prepared = True
            self.guardian = ClusterGuardian(self.state.path, self.lab_folder)
            self.heartbeat_seconds = swarm_info(api).heartbeat_seconds or self.heartbeat_seconds
            for old in labelled_services(api, f"{LESSON_LABEL}=orchestration"):
                remove_service(api, old)  # an earlier run's, left when its app was killed
        runners = {
            "deploy": self.deploy,
            "replace": self.replace,
            "notice": self.node_down,
            "drain": self.drain,
            "update": self.update,
        }
        for key in keys:
            self._step(key, runners[key])
        self.on_phase("done", "every step measured; the service stays up until x")
        return dict(self.results)

    def deploy(self) -> None:
        """Create the service and wait until its replicas run."""
        self.on_phase("deploy", f"creating {SERVICE}: {REPLICAS} replicas of {DEMO_IMAGE}:v1")
        spec = demo_service_spec(
            SERVICE, f"{DEMO_IMAGE}:v1", REPLICAS, {LESSON_LABEL: "orchestration"}
        )
        self.service_id = create_service(self.manager().api, spec)
        seconds = self._wait("3 running replicas", lambda: len(self._running()) >= REPLICAS)
        spread = len({t.node_id for t in self._running()})
        self._record("deploy", seconds, f"{REPLICAS} replicas running on {spread} nodes")

    def replace(self) -> None:
        """Kill one task's container (on a worker); wait for its slot to run a new task."""
        names = {n.id: n.hostname for n in list_nodes(self.manager().api)}
        victim = self._task_on_worker(names)
        node = self._node(names[victim.node_id])
        self.on_phase("replace", f"killing {SERVICE}.{victim.slot}'s container on {node.hostname}")
        client = open_engine(node.url, timeout=30)
        try:
            kill_container(client, victim.container_id)
        finally:
            client.close()

        def replaced() -> bool:
            return any(t.slot == victim.slot and t.id != victim.id for t in self._running())

        seconds = self._wait(f"a new task for slot {victim.slot}", replaced)
        self._record("replace", seconds, f"{SERVICE}.{victim.slot} replaced (restart delay 5 s)")

    def node_down(self) -> None:
        """Stop a worker's engine: time to notice it down, then to run its tasks elsewhere."""
        api = self.manager().api
        names = {n.id: n.hostname for n in list_nodes(api)}
        victim = self._task_on_worker(names)
        node = self._node(names[victim.node_id])
        moved = [t.slot for t in self._running() if t.node_id == victim.node_id]
        self.on_phase("notice", f"stopping {node.hostname}'s engine (dockerd)")
        self._tell(f"stopped {node.hostname}")
        host.ask_to_stop(node.pid)  # measured from here: it stops heartbeating as it shuts down
        self.stopped_node = node

        def down() -> bool:
            seen = {n.id: n for n in list_nodes(api)}
            return seen[victim.node_id].state == "down"

        seconds = self._wait(f"{node.hostname} marked down", down)
        beat = f"heartbeat {self.heartbeat_seconds:g} s"
        self._record("notice", seconds, f"{node.hostname} down after {seconds:.1f} s ({beat})")

        def elsewhere() -> bool:
            running = self._running()
            return all(
                any(t.slot == slot and t.node_id != victim.node_id for t in running)
                for slot in moved
            )

        self._step("reschedule", lambda: self._reschedule(elsewhere, len(moved)))
        self.restart_node()

    def _reschedule(self, elsewhere: Callable[[], bool], count: int) -> None:
        seconds = self._wait("its tasks running elsewhere", elsewhere)
        self._record("reschedule", seconds, f"{count} task(s) moved to the other nodes")

    def restart_node(self) -> None:
        """Start the stopped node's engine again (its tasks do not move back)."""
        node = self.stopped_node
        if node is None:
            return
        self.on_phase("notice", f"starting {node.hostname}'s engine again")
        host.stop_process(node.pid)  # the old one must be gone from its folders first
        node.pid = host.start_dockerd(self.state, node)
        self.state.save()
        pid = node.pid
        wait_answers(node.url, 90, alive=lambda: host.is_running(pid))
        self.stopped_node = None
        self._tell(f"started {node.hostname}")

    def drain(self) -> None:
        """Drain a worker that runs a task; time until none runs there; activate it again."""
        api = self.manager().api
        names = {n.id: n.hostname for n in list_nodes(api)}
        victim = self._task_on_worker(names)
        self.on_phase("drain", f"draining {names[victim.node_id]}")
        self._tell(f"drained {victim.node_id} {names[victim.node_id]}")
        set_availability(api, victim.node_id, "drain")
        self.drained_node, self.drained_name = victim.node_id, names[victim.node_id]

        def drained() -> bool:
            running = self._running()
            return len(running) >= REPLICAS and all(t.node_id != victim.node_id for t in running)

        seconds = self._wait(f"{names[victim.node_id]} drained", drained)
        set_availability(api, victim.node_id, "active")
        self.drained_node = ""
        self._tell("active")
        self._record("drain", seconds, f"{names[victim.node_id]} drained, then active again")

    def update(self) -> None:
        """Roll v1 -> v2, one task at a time (start-first: the new one beside the old)."""
        image = f"{DEMO_IMAGE}:v2"
        self.on_phase("update", f"updating {SERVICE} to {image}, one task at a time")
        update_image(self.manager().api, self.service_id, image)

        def updated() -> bool:
            running = self._running()
            return len(running) >= REPLICAS and all(t.image == image for t in running)

        seconds = self._wait("every task on v2", updated)
        self._record("update", seconds, f"{REPLICAS} tasks on v2, one at a time")

    def changes(self) -> str:
        """What the lesson changed on the cluster now, which `stop()` undoes ("" for nothing)."""
        said = [f"the service {SERVICE}"] if self.service_id else []
        if self.stopped_node is not None:
            said.append(f"{self.stopped_node.hostname}'s engine stopped")
        if self.drained_node:
            said.append(f"{self.drained_name} drained")
        return ", ".join(said)

    def _tell(self, line: str) -> None:
        if self.guardian is not None:
            self.guardian.say(line)

    # Helpers ------------------------------------------------------------------------------

    def _node(self, hostname: str) -> NodeState:
        return next(node for node in self.state.nodes if node.hostname == hostname)

    def _task_on_worker(self, names: dict[str, str]) -> SwarmTask:
        """A running task on a worker (not node-1, the manager), the highest node first."""
        running = [t for t in self._running() if names.get(t.node_id) != "node-1"]
        if not running:
            raise StepTimedOut("no task runs on a worker node")
        return max(running, key=lambda t: (names.get(t.node_id, ""), t.slot))

    def stop(self) -> None:
        """End the lesson: its service removed, a drained node active, a stopped engine back."""
        self._cancel.set()
        with contextlib.suppress(Exception):
            self.restart_node()
        with contextlib.suppress(Exception):
            api = self.manager().api
            if self.drained_node:
                set_availability(api, self.drained_node, "active")
            for service in labelled_services(api, f"{LESSON_LABEL}=orchestration"):
                remove_service(api, service)
        if self._manager is not None:
            self._manager.close()
            self._manager = None
        if self.guardian is not None:
            self.guardian.done()
            self.guardian = None
