"""Training through Docker Compose: the same service, started with one command."""

from __future__ import annotations

import os
import subprocess

from tui.engine.compose import compose_command
from tui.lab.identity import LabIdentity
from tui.lab.run_secrets import run_secrets
from tui.lab.run_setup import prepare_run
from tui.lab.stop_signals import on_stop_signals
from tui.paths import LabPaths


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
    gives 128 + the signal.

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
    ):
        env = {
            **os.environ,
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
            )
            started.append(up)
            if stopped.signal:  # it came while compose was being started
                _end(started)
            code = up.wait()
        subprocess.run(
            compose_args(paths, *name, "down"),
            cwd=paths.project,
            env=env,
            check=False,
            capture_output=True,
        )
    return stopped.exit_code if stopped.signal else code


def _end(started: list[subprocess.Popen[bytes]]) -> None:
    """Ask compose to stop (SIGTERM: it stops the service's container, then exits)."""
    for process in started:
        if process.poll() is None:
            process.terminate()
