"""The engine's side of the bill: dockerd, its containerd, and the containerd shims.

In Docker 20.10 a stats sample travels shim (reads the cgroup) -> containerd -> dockerd (JSON)
-> client, so what the engine spends serving stats is the CPU of all three kinds of process.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import psutil

SHARED_PIDFILE = Path("/var/run/docker.pid")


def shared_dockerd() -> psutil.Process:
    """The shared engine's dockerd (from its pidfile: private test engines run beside it)."""
    return psutil.Process(int(SHARED_PIDFILE.read_text().strip()))


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


class EngineProcesses:
    """dockerd, its containerd and the shims that containerd started, found when asked."""

    def __init__(self, dockerd: psutil.Process) -> None:
        self.dockerd = dockerd

    def processes(self) -> list[psutil.Process]:
        """Every process of the engine at this moment."""
        found = [self.dockerd, *self.dockerd.children(recursive=True)]
        sockets = set()
        for process in found:
            with contextlib.suppress(psutil.Error):
                args = process.cmdline()
                if "--config" in args and process.name() == "containerd":
                    config = args[args.index("--config") + 1]
                    sockets.add(str(Path(config).parent / "containerd.sock"))
        for process in psutil.process_iter(["name", "cmdline"]):
            name, args = process.info["name"] or "", process.info["cmdline"] or []
            if name.startswith("containerd-shim") and sockets & set(args):
                found.append(process)
        return found

    def snapshot(self) -> dict[int, float]:
        """CPU seconds so far of each engine process."""
        seen = {}
        for process in self.processes():
            with contextlib.suppress(psutil.Error):
                seen[process.pid] = _cpu(process)
        return seen

    @staticmethod
    def used(before: dict[int, float], after: dict[int, float]) -> float:
        """CPU seconds spent between two snapshots (new processes count in full)."""
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
