"""One training run: build when needed, start the container, stream its logs, wait for the tarball.

`TrainingRun.run()` blocks, so the dashboard calls it from a worker thread and the CLI directly;
both see the same events through `on_event`.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from training.provenance import CONTEXT_ENV
from tui.engine.client import EngineClient
from tui.engine.engine_facts import engine_facts, image_facts
from tui.engine.errors import EngineError, NotFoundError
from tui.engine.handles import ContainerHandle, create_container
from tui.errors import LabError
from tui.lab.container_spec import training_config
from tui.lab.identity import LabIdentity
from tui.lab.image import (
    BASE_ID_LABEL,
    BASE_LABEL,
    DOCKERFILE_LABEL,
    TRAINING_IMAGE,
    ensure_training_image,
)
from tui.lab.progress import Progress, parse_progress
from tui.lab.run_secrets import run_secrets
from tui.lab.run_setup import prepare_run
from tui.lab.runs import RunRecord, write_record
from tui.lab.watch import TarballWatcher
from tui.paths import LabPaths

EventKind = Literal["build", "start", "log", "progress", "tarball", "exit"]
LAST_LINES = 20
EXIT_GRACE_SECONDS = 30.0  # after the tarball appears, the container only has to exit


class _Cancelled(Exception):
    """Raised from the build's line callback to stop reading a cancelled run's build."""


@dataclass(frozen=True)
class RunEvent:
    """Something the run did: a build line, a log line, a progress record, the tarball, the end."""

    kind: EventKind
    text: str = ""
    progress: Progress | None = None
    stream: str = "stdout"


@dataclass
class RunOutcome:
    """How a run ended: the tarball (if any), the exit code and the last lines it printed."""

    tarball: Path | None = None
    exit_code: int | None = None
    last_lines: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    cancelled: bool = False
    digest: str = ""
    provenance: dict[str, Any] | None = None
    record: RunRecord | None = None  # what the run history keeps of it
    history_error: str = ""  # why it could not be kept, if so


def run_context(
    client: EngineClient, image: str, runtime: str | None, run_id: str
) -> dict[str, Any]:
    """The host's facts for the container's provenance (training.provenance.CONTEXT_ENV)."""
    facts = engine_facts(client)
    found = image_facts(client, image)
    labels = found.labels if found else {}
    return {
        "run_id": run_id,
        "image": {"id": found.id if found else "", "ref": image},
        "base_image": {"name": labels.get(BASE_LABEL, ""), "id": labels.get(BASE_ID_LABEL, "")},
        "dockerfile_sha256": labels.get(DOCKERFILE_LABEL, ""),
        "engine": facts.as_record(),
        "runtime": runtime or facts.default_runtime,
        "host": {"kernel": facts.kernel},
    }


class TrainingRun:
    """A cancellable training run against one engine."""

    def __init__(
        self,
        client: EngineClient,
        paths: LabPaths,
        *,
        rebuild: bool = False,
        image: str = TRAINING_IMAGE,
        labels: dict[str, str] | None = None,
        on_event: Callable[[RunEvent], None] | None = None,
        identity: LabIdentity | None = None,
        runtime: str | None = None,
        build: bool = True,
        reproduces: tuple[str, str] | None = None,
    ) -> None:
        """Prepare a run; nothing touches the engine until run().

        `identity` (`--user-id`) overrides USER_ID and GROUP_ID from .env for this run;
        `runtime` names the engine's runtime (e.g. gVisor's) instead of its default; without
        `build`, an image already built for these ids is used as it is; `reproduces` (model
        file name, its digest) marks a reproduction in the run history.
        """
        self.client = client
        self.paths = paths
        self.rebuild = rebuild
        self.image = image
        self.labels = labels or {}
        self.on_event = on_event or (lambda event: None)
        self.identity = identity
        self.runtime = runtime
        self.build = build
        self.reproduces = reproduces
        self.run_id = uuid.uuid4().hex[:16]
        self.container_id: str | None = None
        self._container: ContainerHandle | None = None
        self._cancelled = threading.Event()
        self._watcher: TarballWatcher | None = None

    def _emit(self, event: RunEvent) -> None:
        self.on_event(event)

    def _build_line(self, line: str) -> None:
        """Report a build line; a cancel ends the build at its next line."""
        if self._cancelled.is_set():
            raise _Cancelled
        self._emit(RunEvent("build", line))

    def run(self) -> RunOutcome:
        """Build if needed, train, and return once the tarball is in place or the run failed.

        The run, however it ended, is added to the run history (runs/).
        """
        started, started_at = time.monotonic(), datetime.now(UTC)
        keys, identity = prepare_run(self.paths, self.identity)
        if not self.paths.data.is_dir():
            raise LabError(f"no corpus at {self.paths.data}: run from the project folder.")
        with contextlib.suppress(_Cancelled):
            ensure_training_image(
                self.client,
                self.paths,
                identity,
                tag=self.image,
                only_if_missing=not self.build,
                nocache=self.rebuild,
                labels=self.labels,
                on_line=self._build_line,
            )
        if self._cancelled.is_set():
            return RunOutcome(cancelled=True, seconds=time.monotonic() - started)
        outcome = RunOutcome()
        context = run_context(self.client, self.image, self.runtime, self.run_id)
        with run_secrets(self.paths, keys, identity) as secrets:
            config = training_config(
                self.image, self.paths.data, self.paths.models, secrets, identity, self.labels
            )
            config["environment"] = {CONTEXT_ENV: json.dumps(context, sort_keys=True)}
            if self.runtime:
                config["runtime"] = self.runtime
            if not self._cancelled.is_set():
                self._train(config, outcome)
        outcome.seconds = time.monotonic() - started
        outcome.cancelled = self._cancelled.is_set()
        self._keep_record(outcome, context, started_at)
        return outcome

    def _keep_record(
        self, outcome: RunOutcome, context: dict[str, Any], started_at: datetime
    ) -> None:
        ok = outcome.tarball is not None and outcome.exit_code == 0
        engine = context["engine"]
        reproduces, expected = self.reproduces or ("", "")
        record = RunRecord(
            run_id=self.run_id,
            started_at=started_at.isoformat(),
            seconds=round(outcome.seconds, 2),
            engine=f"{engine['name']} {engine['version']}",
            runtime=str(context["runtime"]),
            status="ok" if ok else "cancelled" if outcome.cancelled else "failed",
            exit_code=outcome.exit_code,
            model=outcome.tarball.name if outcome.tarball else "",
            metrics=dict(outcome.metrics),
            digest=outcome.digest,
            reproduces=reproduces,
            expected_digest=expected,
            provenance=outcome.provenance,
        )
        outcome.record = record
        try:
            write_record(self.paths, record)
        except OSError as exc:
            outcome.history_error = f"the run history could not be written: {exc}"

    def _train(self, config: dict[str, Any], outcome: RunOutcome) -> None:
        """Create and start the container, follow it until the tarball or its end, remove it."""
        with TarballWatcher(self.paths.models) as watcher:
            self._watcher = watcher
            try:
                container = create_container(self.client, **config)
            except EngineError as exc:
                raise LabError(f"cannot create the training container: {exc}") from exc
            self.container_id, self._container = container.id, container
            try:
                if self._cancelled.is_set():  # cancel() ran before there was a container to stop
                    return
                container.start()
                self._emit(RunEvent("start", container.short_id))
                streamer = threading.Thread(
                    target=self._follow, args=(container, outcome, watcher), daemon=True
                )
                streamer.start()
                tarball = watcher.wait()
                if tarball is not None:
                    outcome.tarball = tarball
                    self._emit(RunEvent("tarball", str(tarball)))
                streamer.join(timeout=EXIT_GRACE_SECONDS if tarball else None)
            finally:
                self._finish(container, outcome)

    def _follow(
        self, container: ContainerHandle, outcome: RunOutcome, watcher: TarballWatcher
    ) -> None:
        """Stream the logs until the container ends, then record its exit code."""
        last: deque[str] = deque(maxlen=LAST_LINES)
        try:
            for line in container.follow_logs():
                last.append(line.text)
                progress = parse_progress(line.text)
                if progress is not None:
                    outcome.metrics.update(progress.metrics)
                    if progress.stage == "done":
                        outcome.digest = str(progress.fields.get("digest") or "")
                        found = progress.fields.get("provenance")
                        outcome.provenance = found if isinstance(found, dict) else None
                    self._emit(RunEvent("progress", line.text, progress, line.stream))
                else:
                    self._emit(RunEvent("log", line.text, None, line.stream))
            outcome.exit_code = container.wait(timeout=60)
        except (EngineError, OSError) as exc:
            last.append(f"log stream ended: {exc}")
        finally:
            outcome.last_lines = list(last)
            self._emit(RunEvent("exit", str(outcome.exit_code)))
            watcher.wake()

    def _finish(self, container: ContainerHandle, outcome: RunOutcome) -> None:
        """Stop and remove the container and any partial file a killed run left behind."""
        try:
            container.reload()
            if container.status == "running":
                container.stop(timeout=10)
            if outcome.exit_code is None:
                outcome.exit_code = container.wait(timeout=30)
            container.remove()
        except NotFoundError:
            pass
        except EngineError as exc:
            outcome.last_lines.append(f"cleanup: {exc}")
        for partial in self.paths.models.glob(".*.tar.gz.partial"):
            partial.unlink(missing_ok=True)

    def cancel(self) -> None:
        """Stop the container (from any thread, at any moment); the run returns with no tarball.

        The flag is set before the container and watcher are looked at, and run() looks at the
        flag after setting them, so a cancel at any moment either stops what exists or keeps
        the run from starting it.
        """
        self._cancelled.set()
        if self._container is not None:
            with contextlib.suppress(EngineError):
                self._container.stop(timeout=10)
        if self._watcher is not None:
            self._watcher.wake()


def describe_failure(outcome: RunOutcome) -> str:
    """One line for a run that left no tarball."""
    if outcome.cancelled:
        return "training cancelled; no tarball was written"
    errors = [
        p.message for p in map(parse_progress, outcome.last_lines) if p and p.stage == "error"
    ]
    reason = errors[-1] if errors else (outcome.last_lines[-1] if outcome.last_lines else "")
    return f"training failed with exit code {outcome.exit_code}: {reason}"
