"""Docker Compose: `docker compose` (v2 plugin) when it answers, else `docker-compose` (v1)."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

from tui.errors import LabError


@cache
def compose_command() -> tuple[str, ...]:
    """The compose command this machine has, v2 preferred."""
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, check=False
        )
        if probe.returncode == 0:
            return ("docker", "compose")
    if shutil.which("docker-compose"):
        return ("docker-compose",)
    raise LabError(
        "Neither `docker compose` nor `docker-compose` is installed: "
        "run `apt-get install docker-compose` (or install the compose plugin)."
    )
