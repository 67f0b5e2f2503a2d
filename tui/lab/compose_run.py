"""Training through Docker Compose: the same service, started with one command."""

from __future__ import annotations

import os
import subprocess

from tui.engine.compose import compose_command
from tui.lab.identity import LabIdentity
from tui.lab.run_secrets import run_secrets
from tui.lab.run_setup import prepare_run
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

    The service gets the run's copy of the key (LAB_SECRETS_DIR) and of the checked trusted keys
    (LAB_TRUSTED_KEYS_DIR), as `container-lab train` does,
    and `identity` (`--user-id`) through USER_ID and GROUP_ID, which win over .env.
    """
    keys, identity = prepare_run(paths, identity)
    name = ["-p", project_name] if project_name else []
    with run_secrets(paths, keys, identity) as secrets:
        env = {
            **os.environ,
            "USER_ID": str(identity.uid),
            "GROUP_ID": str(identity.gid),
            **(extra_env or {}),
            "LAB_SECRETS_DIR": str(secrets.folder),
            "LAB_TRUSTED_KEYS_DIR": str(secrets.trusted_keys),
        }
        up = subprocess.run(
            compose_args(paths, *name, "up", "--build", "--exit-code-from", "training", "training"),
            cwd=paths.project,
            env=env,
            check=False,
        )
        subprocess.run(
            compose_args(paths, *name, "down"),
            cwd=paths.project,
            env=env,
            check=False,
            capture_output=True,
        )
    return up.returncode
