"""gVisor for the lesson: runsc registered with a local dockerd under the lab's own name.

runsc runs as a Docker runtime with the ptrace platform (no KVM needed) and the host's network:
without `--network=host` it refuses to start ("cannot run with network enabled in root network
namespace") on engines like this one. Those settings are the lab's choice, not the machine's, so
the runtime is `container-lab-runsc`: an administrator's own `runsc` entry, and every other byte
of daemon.json, stay as they were (tui.engine.daemon_json), and only containers that ask for the
lab's runtime get `--network=host`.

The lab changes an engine's configuration (and SIGHUPs it) only when the lab started that dockerd,
which it records in ENGINE_RECORD, or when asked explicitly (`engine up --gvisor`). A dockerd an
older lab started, before the record existed, is recognised by what that lab gave it: the command
line `dockerd` alone, writing to LEGACY_DOCKERD_LOG.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import docker
from docker.errors import DockerException

from tui.engine import daemon_json
from tui.errors import LabError

LAB_RUNTIME = "container-lab-runsc"
RUNSC_PATH = Path("/usr/bin/runsc")
RUNSC_ARGS = ("--platform=ptrace", "--network=host")
DAEMON_JSON = Path("/etc/docker/daemon.json")
DOCKERD_PID = Path("/var/run/docker.pid")
ENGINE_RECORD = Path("/run/container-lab/engine.json")
LEGACY_DOCKERD_LOG = Path("/var/log/container-lab-dockerd.log")
RELOAD_WAIT_SECONDS = 30.0


def lab_runtime(path: Path = RUNSC_PATH) -> dict[str, Any]:
    """The daemon.json entry for the lab's runtime."""
    return {"path": str(path), "runtimeArgs": list(RUNSC_ARGS)}


def how_to_add_runsc() -> str:
    """One line telling an administrator how to register the lab's runtime with their engine."""
    snippet = json.dumps({"runtimes": {LAB_RUNTIME: lab_runtime()}}, separators=(",", ":"))
    return (
        f"add {snippet} to /etc/docker/daemon.json, then `kill -HUP $(cat {DOCKERD_PID})` "
        "(or run `sudo container-lab engine up --gvisor`)"
    )


def read_daemon_json(path: Path = DAEMON_JSON) -> dict[str, Any]:
    """The daemon's config file ({} when there is none); LabError when it is not an object."""
    return daemon_json.parse(daemon_json.read_text(path), path)


def ensure_lab_runtime(path: Path = DAEMON_JSON) -> bool:
    """Add the lab's runtime to daemon.json, all else byte for byte; True when the file changed."""
    text = daemon_json.read_text(path)
    changed = daemon_json.with_runtime(text, LAB_RUNTIME, lab_runtime(), path)
    if changed is None:
        return False
    daemon_json.write_text(path, changed)
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


def has_lab_runtime(client: docker.DockerClient) -> bool:
    """True when the engine can run containers with the lab's gVisor runtime."""
    return LAB_RUNTIME in engine_runtimes(client)


@dataclass(frozen=True)
class EngineRecord:
    """A dockerd the lab started: its pid, when it started, its address and its config file."""

    pid: int
    started: int  # the process's start time in clock ticks (/proc/PID/stat): no reused pid
    url: str
    config: str


def _start_ticks(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # field 22, counted after the name


def record_started_engine(
    pid: int, url: str, config: Path = DAEMON_JSON, record: Path = ENGINE_RECORD
) -> None:
    """Note that the lab started this dockerd (root's folder, root's file)."""
    started = _start_ticks(pid)
    if started is None:
        return
    record.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    entry = EngineRecord(pid, started, url, str(config))
    daemon_json.write_text(record, json.dumps(asdict(entry)) + "\n")
    os.chmod(record, 0o600)


def _recorded(url: str, record: Path) -> EngineRecord | None:
    try:
        entry = EngineRecord(**json.loads(record.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if entry.url != url or _start_ticks(entry.pid) != entry.started:
        return None  # another engine, or that dockerd is gone (its pid may be someone else's)
    return entry


def _legacy(url: str, pid_file: Path) -> EngineRecord | None:
    """The dockerd behind `pid_file` when an older lab started it (see the module docstring)."""
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        output = os.readlink(f"/proc/{pid}/fd/1")
    except (OSError, ValueError):
        return None
    started = _start_ticks(pid)
    if cmdline != b"dockerd\0" or Path(output) != LEGACY_DOCKERD_LOG or started is None:
        return None
    return EngineRecord(pid, started, url, str(DAEMON_JSON))


def started_by_lab(
    url: str, record: Path = ENGINE_RECORD, pid_file: Path = DOCKERD_PID
) -> EngineRecord | None:
    """The lab's record of the dockerd at `url`, if the lab started it and it still runs."""
    return _recorded(url, record) or _legacy(url, pid_file)


def register_lab_runtime(
    url: str,
    *,
    explicit: bool = False,
    record: Path = ENGINE_RECORD,
    config: Path = DAEMON_JSON,
    pid_file: Path = DOCKERD_PID,
    wait: float = RELOAD_WAIT_SECONDS,
) -> str:
    """Make the local engine at `url` list the lab's runtime, if it is the lab's to change.

    The lab's own dockerd: its recorded config file and pid. `explicit`: `config` and the pid in
    `pid_file`. Any other engine is left alone, with one line on how to add the runtime.
    """
    if not RUNSC_PATH.is_file() or shutil.which(str(RUNSC_PATH)) is None:
        return f"gVisor: {RUNSC_PATH} not installed (`apt-get install runsc`); no gVisor row"
    client = docker.DockerClient(base_url=url, version="auto", timeout=10)
    try:
        if has_lab_runtime(client):
            return f"gVisor: {LAB_RUNTIME} already registered"
        owned = started_by_lab(url, record, pid_file)
        if owned is None and not explicit:
            return (
                "gVisor: this engine was not started by the lab, so its configuration is left "
                f"as it is; for the lesson's gVisor row, {how_to_add_runsc()}"
            )
        target = Path(owned.config) if owned else config
        ensure_lab_runtime(target)
        pid = owned.pid if owned else _pid(pid_file)
        os.kill(pid, signal.SIGHUP)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if has_lab_runtime(client):
                return f"gVisor: registered {LAB_RUNTIME} ({' '.join(RUNSC_ARGS)}) in {target}"
            time.sleep(0.2)  # SIGHUP gives no completion signal; `docker info` is the proof
    finally:
        client.close()
    raise LabError(
        f"dockerd did not list {LAB_RUNTIME} within {wait:.0f} s of a reload: see its log."
    )


def _pid(pid_file: Path) -> int:
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError) as exc:
        raise LabError(f"cannot read dockerd's pid from {pid_file}: {exc}") from exc
