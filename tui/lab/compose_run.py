"""Training through Docker Compose: the same service, started with one command."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from contextlib import suppress

from tui.engine.compose import compose_command
from tui.lab.identity import LabIdentity
from tui.lab.run_secrets import run_secrets
from tui.lab.run_setup import prepare_run
from tui.lab.stop_signals import on_stop_signals
from tui.paths import LabPaths

GROUP_END_SECONDS = 30.0  # how long compose's children may take to end after a stop


def compose_args(paths: LabPaths, *extra: str) -> list[str]:
    """`docker compose` (or `docker-compose`) bound to the project's compose.yaml."""
    return [
        *compose_command(),
        "--project-directory",
        str(paths.project),
        "-f",
        str(paths.project / "compose.yaml"),
        *extra,
    ]


def compose_train(
    paths: LabPaths,
    project_name: str | None = None,
    extra_env: dict[str, str] | None = None,
    identity: LabIdentity | None = None,
) -> int:
    """`up --build` the training service and return its exit code, then remove the container.

    A stop signal (tui.lab.stop_signals) ends compose, removes the container and the copies, and
    gives 128 + the signal. Compose runs in a process group of its own, which the stop ends
    whole: compose's `docker build` child used to outlive it and write its image-id file into
    TMPDIR. Compose gets a TMPDIR of its own, too, removed afterwards.

    The service gets the run's copy of the key (LAB_SECRETS_DIR) and of the checked trusted keys
    (LAB_TRUSTED_KEYS_DIR), as `container-lab train` does,
    and `identity` (`--user-id`) through USER_ID and GROUP_ID, which win over .env.
    """
    keys, identity = prepare_run(paths, identity)
    name = ["-p", project_name] if project_name else []
    started: list[subprocess.Popen[bytes]] = []
    with (
        on_stop_signals(lambda: _end(started)) as stopped,
        run_secrets(paths, keys, identity) as secrets,
        tempfile.TemporaryDirectory(prefix="container-lab-compose-") as scratch,
    ):
        env = {
            **os.environ,
            "TMPDIR": scratch,
            "USER_ID": str(identity.uid),
            "GROUP_ID": str(identity.gid),
            **(extra_env or {}),
            "LAB_SECRETS_DIR": str(secrets.folder),
            "LAB_TRUSTED_KEYS_DIR": str(secrets.trusted_keys),
        }
        code = 0
        if not stopped.signal:
            up = subprocess.Popen(
                compose_args(
                    paths, *name, "up", "--build", "--exit-code-from", "training", "training"
                ),
                cwd=paths.project,
                env=env,
                process_group=0,
            )
            started.append(up)
            if stopped.signal:  # it came while compose was being started
                _end(started)
            code = up.wait()
            if stopped.signal:
                _group_ended(up.pid)
        subprocess.run(
            compose_args(paths, *name, "down"),
            cwd=paths.project,
            env=env,
            check=False,
            capture_output=True,
        )
    return stopped.exit_code if stopped.signal else code


def _end(started: list[subprocess.Popen[bytes]]) -> None:
    """Ask compose and its children to stop (SIGTERM: compose stops the service's container,
    then exits; a `docker build` it started ends)."""
    for process in started:
        with suppress(ProcessLookupError):  # compose and every child of it have ended
            os.killpg(process.pid, signal.SIGTERM)


def _group_ended(group: int) -> None:
    """Wait until no process of compose's group is left; kill what is after GROUP_END_SECONDS."""
    deadline = time.monotonic() + GROUP_END_SECONDS
    with suppress(ProcessLookupError):  # none left
        while time.monotonic() < deadline:
            os.killpg(group, 0)
            time.sleep(0.05)
        os.killpg(group, signal.SIGKILL)
