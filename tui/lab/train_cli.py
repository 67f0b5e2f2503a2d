"""`container-lab train`: one run printed line by line, ended cleanly by SIGTERM, SIGHUP or SIGINT.

A stop signal cancels the run as the dashboard's `c` does: the build stops at its next line, the
container is stopped and removed, the run's copy of the key and its trusted-keys snapshot are
deleted, and the command exits with 128 + the signal.
"""

from __future__ import annotations

import contextlib
import sys

from tui.engine.client import connect
from tui.lab.compose_run import compose_train
from tui.lab.identity import LabIdentity
from tui.lab.image import training_image_tag
from tui.lab.run import RunEvent, RunOutcome, TrainingRun, describe_failure
from tui.lab.stop_signals import Stopped, on_stop_signals
from tui.paths import lab_paths


def _say(text: str) -> None:
    """A line on stdout; a terminal that went away (SIGHUP) must not stop the cleanup."""
    with contextlib.suppress(OSError):
        print(text, flush=True)


def _show(event: RunEvent) -> None:
    if event.kind == "build":
        _say(f"build  {event.text}")
    elif event.kind == "start":
        _say(f"start  container {event.text}")
    elif event.kind == "progress" and event.progress:
        _say(f"{event.progress.progress:>5.0%}  {event.progress.message}")
    elif event.kind == "log":
        _say(f"{event.stream:<6} {event.text}")


def train_from_cli(
    host: str | None = None,
    rebuild: bool = False,
    compose: bool = False,
    identity: LabIdentity | None = None,
    runtime: str | None = None,
) -> int:
    """Print progress as it comes, end with the tarball or a reason (see the module docstring)."""
    paths = lab_paths()
    if compose:
        return compose_train(paths, identity=identity)
    client = connect(host)
    run = TrainingRun(
        client,
        paths,
        rebuild=rebuild,
        image=training_image_tag(),
        on_event=_show,
        identity=identity,
        runtime=runtime,
    )
    with on_stop_signals(run.cancel) as stopped:
        outcome = run.run()
    if outcome.history_error:
        print(f"container-lab: {outcome.history_error}", file=sys.stderr)
    if stopped.signal:
        return _stopped(stopped, outcome)
    if outcome.tarball is None or outcome.exit_code != 0:
        print(f"container-lab: {describe_failure(outcome)}", file=sys.stderr)
        for line in outcome.last_lines[-5:]:
            print(f"  | {line}", file=sys.stderr)
        return 1
    metrics = ", ".join(f"{k} {v:.3f}" for k, v in sorted(outcome.metrics.items()))
    _say(f"model: {outcome.tarball} ({metrics}) in {outcome.seconds:.1f} s")
    _say(f"model digest: sha256:{outcome.digest}")
    return 0


def _stopped(stopped: Stopped, outcome: RunOutcome) -> int:
    kept = f"; the model finished before it stays: {outcome.tarball}" if outcome.tarball else ""
    with contextlib.suppress(OSError):
        print(
            f"container-lab: training stopped by {stopped.name}: its container and the run's copy "
            f"of the key are removed{kept}",
            file=sys.stderr,
        )
    return stopped.exit_code
