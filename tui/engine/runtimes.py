"""Container runtimes beyond runc: registering gVisor's runsc with a local dockerd.

runsc runs as a Docker runtime with the ptrace platform (no KVM needed) and the host's network:
without `--network=host` it refuses to start ("cannot run with network enabled in root network
namespace") on engines like this one.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import docker
from docker.errors import DockerException

from tui.errors import LabError

RUNSC = "runsc"
RUNSC_PATH = Path("/usr/bin/runsc")
RUNSC_ARGS = ("--platform=ptrace", "--network=host")
DAEMON_JSON = Path("/etc/docker/daemon.json")
DOCKERD_PID = Path("/var/run/docker.pid")
RELOAD_WAIT_SECONDS = 30.0


def runsc_runtime(path: Path = RUNSC_PATH) -> dict[str, Any]:
    """The daemon.json entry for runsc."""
    return {"path": str(path), "runtimeArgs": list(RUNSC_ARGS)}


def how_to_add_runsc() -> str:
    """One line telling an administrator how to register runsc with their engine."""
    snippet = json.dumps({"runtimes": {RUNSC: runsc_runtime()}}, separators=(",", ":"))
    return f"add {snippet} to /etc/docker/daemon.json, then `kill -HUP $(cat {DOCKERD_PID})`"


def merge_runsc(config: Mapping[str, Any], path: Path = RUNSC_PATH) -> dict[str, Any]:
    """`config` (a daemon.json document) with runsc registered; other keys and runtimes kept."""
    merged = dict(config)
    runtimes = merged.get("runtimes")
    if runtimes is not None and not isinstance(runtimes, dict):
        raise LabError(f"{DAEMON_JSON}: 'runtimes' is not an object; fix it by hand.")
    merged["runtimes"] = {**(runtimes or {}), RUNSC: runsc_runtime(path)}
    return merged


def read_daemon_json(path: Path = DAEMON_JSON) -> dict[str, Any]:
    """The daemon's config file ({} when there is none); LabError when it is not JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise LabError(f"Cannot read {path}: {exc}") from exc
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise LabError(f"{path} is not valid JSON ({exc}); fix it by hand.") from exc
    if not isinstance(data, dict):
        raise LabError(f"{path} is not a JSON object; fix it by hand.")
    return data


def write_daemon_json(config: Mapping[str, Any], path: Path = DAEMON_JSON) -> None:
    """Write the config atomically (a temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".daemon-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(config, indent=2) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_runsc_config(path: Path = DAEMON_JSON) -> bool:
    """Register runsc in daemon.json if it is missing or different; True when the file changed."""
    current = read_daemon_json(path)
    merged = merge_runsc(current)
    if merged == current:
        return False
    write_daemon_json(merged, path)
    return True


def engine_runtimes(client: docker.DockerClient) -> set[str]:
    """The runtimes the engine lists in `docker info` (empty when it does not answer)."""
    try:
        return set((client.info().get("Runtimes") or {}).keys())
    except DockerException:
        return set()


def engine_version(client: docker.DockerClient) -> str:
    """The engine's version, as `docker version` shows it ('' when it does not answer)."""
    try:
        return str(client.version().get("Version", ""))
    except DockerException:
        return ""


def has_runsc(client: docker.DockerClient) -> bool:
    """True when the engine can run containers with runsc."""
    return RUNSC in engine_runtimes(client)


def reload_dockerd(pid_file: Path = DOCKERD_PID) -> int:
    """Send SIGHUP to the local dockerd so it rereads daemon.json; return its pid."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError) as exc:
        raise LabError(f"Cannot read dockerd's pid from {pid_file}: {exc}") from exc
    os.kill(pid, signal.SIGHUP)
    return pid


def register_runsc(
    url: str, *, config: Path = DAEMON_JSON, wait: float = RELOAD_WAIT_SECONDS
) -> str:
    """Make the local engine at `url` list runsc: merge daemon.json, SIGHUP, wait (bounded)."""
    if not RUNSC_PATH.is_file() or shutil.which(str(RUNSC_PATH)) is None:
        return f"gVisor: {RUNSC_PATH} not installed (`apt-get install runsc`); no gVisor row"
    client = docker.DockerClient(base_url=url, version="auto", timeout=10)
    try:
        if has_runsc(client) and not ensure_runsc_config(config):
            return "gVisor: runsc already registered"
        ensure_runsc_config(config)
        reload_dockerd()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if has_runsc(client):
                return f"gVisor: registered runsc ({' '.join(RUNSC_ARGS)}) in {config}"
            time.sleep(0.2)  # SIGHUP gives no completion signal; `docker info` is the proof
    finally:
        client.close()
    raise LabError(f"dockerd did not list runsc within {wait:.0f} s of a reload: see its log.")
