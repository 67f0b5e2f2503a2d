"""Training as a cluster job: the training image as a Swarm `replicated-job` on the lab's cluster.

The building blocks are a local run's: `prepare_run` (keys, ids, models/), the image built on
the main engine, and the verification after. What the cluster adds: the image copied onto every
node, the signing key and passphrase as Swarm secrets made for the run, an internal network,
and each replica training into its own folder under `models/.cluster-<run>/`. When the job ends,
each replica's tarball is moved into models/ (named after its task, so none replaces another)
and the service, secrets, network and run folder are removed, whatever happened.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tui.engine.client import EngineClient
from tui.engine.swarm import SwarmTask, list_tasks
from tui.engine.swarm_actions import (
    create_network,
    create_secret,
    create_service,
    remove_network,
    remove_secret,
    remove_service,
)
from tui.engine.swarm_logs import TaskLogStream
from tui.engine.swarm_setup import copy_images
from tui.errors import LabError
from tui.lab.cluster_spec import training_job_spec
from tui.lab.identity import LabIdentity, hand_over
from tui.lab.image import TRAINING_IMAGE, ensure_training_image
from tui.lab.progress import parse_progress
from tui.lab.run_setup import prepare_run
from tui.lab.watch import is_final_tarball
from tui.paths import LabPaths, lab_paths

JOB_SECONDS = 1800.0  # the most a job may take (a replica trains in well under a minute)
POLL_SECONDS = 1.0
DONE_STATES = frozenset({"complete", "failed", "rejected", "shutdown", "orphaned"})
RUN_LABEL = "org.container-lab.cluster-run"


@dataclass(frozen=True)
class ClusterEvent:
    """What the job did: a build line, a task's state, a task's log or progress line, a
    tarball moved into models/."""

    kind: str  # build, image, task, log, progress, tarball
    text: str
    task: str = ""  # the task's name (`cl-train-….1`), when it is a task's


@dataclass
class ClusterOutcome:
    """How the job ended: the tarballs in models/, and each task's end state."""

    tarballs: list[Path] = field(default_factory=list)
    tasks: dict[str, str] = field(default_factory=dict)  # task name -> state (and error)
    seconds: float = 0.0
    service: str = ""
    secrets_removed: bool = False


class ClusterTrainingRun:
    """One training job of `replicas` replicas on a Swarm whose nodes all run on this machine."""

    def __init__(
        self,
        main: EngineClient,
        manager: EngineClient,
        nodes: Sequence[EngineClient],
        paths: LabPaths,
        replicas: int,
        *,
        image: str = TRAINING_IMAGE,
        labels: dict[str, str] | None = None,
        identity: LabIdentity | None = None,
        on_event: Callable[[ClusterEvent], None] | None = None,
        timeout: float = JOB_SECONDS,
    ) -> None:
        if replicas < 1:
            raise LabError(f"--replicas {replicas}: a job needs at least 1 replica.")
        self.main, self.manager, self.nodes = main, manager, list(nodes)
        self.paths = paths
        self.replicas = replicas
        self.image = image
        self.labels = labels or {}
        self.identity = identity
        self.on_event = on_event or (lambda event: None)
        self.timeout = timeout
        self.run_id = secrets.token_hex(4)
        self.name = f"cl-train-{self.run_id}"
        self._followed: set[str] = set()

    def run(self) -> ClusterOutcome:
        """Build, copy, run the job, collect the tarballs; remove what the run made."""
        started = time.monotonic()
        keys, identity = prepare_run(self.paths, self.identity)
        if not self.paths.data.is_dir():
            raise LabError(f"no corpus at {self.paths.data}: run from the project folder.")
        ensure_training_image(
            self.main,
            self.paths,
            identity,
            tag=self.image,
            labels=self.labels,
            on_line=lambda line: self.on_event(ClusterEvent("build", line)),
        )
        copied = copy_images(self.main, self.nodes, [self.image], self.paths.lab)
        self.on_event(ClusterEvent("image", f"{self.image} on every node ({len(copied)} copied)"))
        run_folder = self.paths.models / f".cluster-{self.run_id}"
        run_folder.mkdir(mode=0o700)
        hand_over(run_folder, identity)
        api = self.manager.api
        labels = {RUN_LABEL: self.run_id, **self.labels}
        made: dict[str, list[str]] = {"secrets": [], "network": [], "service": []}
        outcome = ClusterOutcome(service=self.name)
        try:
            owned = {}
            for source in (keys.secret_key, keys.passphrase):
                secret_name = f"{self.name}-{source.name.replace('.', '-')}"
                secret_id = create_secret(api, secret_name, source.read_bytes(), labels)
                made["secrets"].append(secret_id)
                owned[source.name] = (secret_id, secret_name)
            network_id = create_network(api, self.name, labels)
            made["network"].append(network_id)
            spec = training_job_spec(
                self.name,
                self.image,
                self.replicas,
                data=self.paths.data,
                run_folder=run_folder,
                keys=keys,
                identity=identity,
                secrets=owned,
                network_id=network_id,
                labels=labels,
            )
            service_id = create_service(api, spec)
            made["service"].append(service_id)
            tasks = self._follow(service_id)
            outcome.tasks = {t.name(self.name): _ended(t) for t in tasks}
            outcome.tarballs = self._collect(run_folder, tasks)
        finally:
            outcome.secrets_removed = self._remove(made)
            shutil.rmtree(run_folder, ignore_errors=True)
        outcome.seconds = time.monotonic() - started
        return outcome

    def _follow(self, service_id: str) -> list[SwarmTask]:
        """Report each task's state as it changes, follow its logs once it runs; return the
        tasks once every replica ended (LabError past the bound)."""
        seen: dict[str, str] = {}
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            tasks = list_tasks(self.manager.api, service_id)
            for task in tasks:
                said = f"{task.state} {task.error}".strip()
                if seen.get(task.id) != said:
                    seen[task.id] = said
                    self.on_event(ClusterEvent("task", said, task.name(self.name)))
                if task.container_id and task.id not in self._followed:
                    self._followed.add(task.id)
                    self._stream(task)
            ended = [t for t in tasks if t.state in DONE_STATES]
            if len(ended) >= self.replicas and len(ended) == len(tasks):
                return tasks
            time.sleep(POLL_SECONDS)
        raise LabError(f"the cluster job {self.name} did not end within {self.timeout:.0f} s.")

    def _stream(self, task: SwarmTask) -> None:
        """Follow one task's logs through the manager, in a thread of its own."""
        name = task.name(self.name)

        def follow() -> None:
            with contextlib.suppress(Exception):
                for line in TaskLogStream(self.manager.api, task.id, follow=True, tail="all"):
                    kind = "progress" if parse_progress(line.text) else "log"
                    self.on_event(ClusterEvent(kind, line.text, name))

        threading.Thread(target=follow, name=f"cluster-logs-{task.id[:8]}", daemon=True).start()

    def _collect(self, run_folder: Path, tasks: Sequence[SwarmTask]) -> list[Path]:
        """Move each replica's tarball into models/, named after its task."""
        moved = []
        for task in tasks:
            folder = run_folder / task.id
            for tarball in sorted(folder.glob("*.tar.gz")) if folder.is_dir() else ():
                if not is_final_tarball(tarball):
                    continue
                name = tarball.name.removesuffix(".tar.gz")
                target = self.paths.models / f"{name}-task-{task.id[:12]}.tar.gz"
                tarball.replace(target)
                moved.append(target)
                self.on_event(ClusterEvent("tarball", str(target), task.name(self.name)))
        return moved

    def _remove(self, made: dict[str, list[str]]) -> bool:
        """Remove the service, then its secrets and network; whether the secrets went."""
        api = self.manager.api
        for service in made["service"]:
            with contextlib.suppress(LabError):
                remove_service(api, service)
        gone = True
        for secret in made["secrets"]:
            for _ in range(20):  # a secret in use by a task being removed is refused a moment
                try:
                    remove_secret(api, secret)
                    break
                except LabError:
                    time.sleep(0.5)
            else:
                gone = False
        for network in made["network"]:
            for _ in range(20):
                try:
                    remove_network(api, network)
                    break
                except LabError:
                    time.sleep(0.5)
        return gone


def _ended(task: SwarmTask) -> str:
    """A task's end in words: `complete`, or `failed (exit 3): …`."""
    if task.state == "complete":
        return "complete"
    code = f" (exit {task.exit_code})" if task.exit_code else ""
    return f"{task.state}{code}: {task.error}" if task.error else f"{task.state}{code}"


def train_cluster_from_cli(
    host: str | None,
    manager_url: str,
    node_urls: Sequence[str],
    replicas: int,
    identity: LabIdentity | None = None,
) -> int:
    """`container-lab train --cluster`: the job, then each tarball verified as a local one."""
    from tui.engine.client import connect
    from tui.engine.swarm_setup import open_engine
    from tui.lab.verify import verify_tarball

    def show(event: ClusterEvent) -> None:
        if event.kind == "progress":
            progress = parse_progress(event.text)
            if progress is not None:
                print(f"{event.task:<22} {progress.progress:>4.0%}  {progress.message}", flush=True)
        elif event.kind in ("task", "tarball", "image"):
            print(f"{event.task or 'cluster':<22} {event.kind}: {event.text}", flush=True)
        elif event.kind == "build":
            print(f"build  {event.text}", flush=True)

    main = connect(host, timeout=600)
    manager = open_engine(manager_url, timeout=600)
    nodes = [open_engine(url, timeout=600) for url in node_urls]
    paths = lab_paths()
    try:
        run = ClusterTrainingRun(
            main, manager, nodes, paths, replicas, identity=identity, on_event=show
        )
        outcome = run.run()
        failed = {name: state for name, state in outcome.tasks.items() if state != "complete"}
        verdicts = [(tarball, verify_tarball(main, tarball, paths)) for tarball in outcome.tarballs]
    finally:
        for client in (main, manager, *nodes):
            client.close()
    for tarball, verdict in verdicts:
        word = "verified" if verdict.ok else f"REFUSED ({verdict.reason})"
        print(f"model: {tarball} {word}")
    refused = [tarball for tarball, verdict in verdicts if not verdict.ok]
    if failed or refused or len(verdicts) < replicas:
        reasons = [f"{name} {state}" for name, state in failed.items()]
        reasons += [f"{tarball.name} refused" for tarball in refused]
        raise LabError(
            f"cluster job {outcome.service}: {len(verdicts)} of {replicas} models verified"
            + (f" ({'; '.join(reasons)})" if reasons else "")
        )
    print(
        f"cluster job {outcome.service}: {replicas} replicas, {len(verdicts)} models verified "
        f"in {outcome.seconds:.1f} s; its secrets and network are removed"
    )
    return 0
