"""The lesson's three units: how each starts, where its output comes from, what the host pays.

A unit turns its console into a queue of lines (the container's attach stream, QEMU's serial
port); `follow` reads the markers off that queue on the host's monotonic clock, the same for all
three. Host cost comes from the processes behind each unit, found with psutil.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import psutil

from tui.baseline.qemu import QemuProcess
from tui.baseline.workload import GO, IDLE, READY, WORKLOAD_DONE, WORKLOAD_START, parse_ready
from tui.engine.errors import EngineError
from tui.engine.footprint import shim_of
from tui.engine.handles import ContainerHandle
from tui.engine.stats.cgroup import CgroupPaths, read_counters

Lines = queue.Queue[str | None]


@dataclass
class Timings:
    """Host-clock times of one unit's markers (monotonic seconds)."""

    began: float
    ready: float | None = None
    workload_start: float | None = None
    workload_done: float | None = None
    idle: float | None = None
    debian: str = ""
    kernel: str = ""
    tail: list[str] = field(default_factory=list)


def follow(
    lines: Lines,
    timings: Timings,
    deadline: float,
    on_marker: Callable[[str], None],
    stop: threading.Event,
    ready_by: float | None = None,
    until: str = "idle",
) -> str | None:
    """Read markers until the unit is ready (or idles); None on success, else why not.

    `ready_by` is an earlier deadline for the readiness marker alone (the KVM probe).
    """
    while (timings.ready if until == "ready" else timings.idle) is None:
        if stop.is_set():
            return "stopped"
        if timings.ready is None and ready_by is not None and time.monotonic() > ready_by:
            return f"no {READY} in time; last output: {' | '.join(timings.tail[-3:])}"
        left = deadline - time.monotonic()
        if left <= 0:
            return f"no {IDLE} in time; last output: {' | '.join(timings.tail[-3:])}"
        try:
            line = lines.get(timeout=min(left, 0.5))
        except queue.Empty:
            continue
        if line is None:
            return f"its console closed; last output: {' | '.join(timings.tail[-3:])}"
        now = time.monotonic()
        text = line.strip()
        if text:
            timings.tail = [*timings.tail[-9:], text[-200:]]
        if READY in text and timings.ready is None and (ready := parse_ready(text)):
            timings.ready, timings.debian, timings.kernel = now, ready.debian, ready.kernel
            on_marker("ready")
        elif WORKLOAD_START in text:
            timings.workload_start = now
            on_marker("workload")
        elif WORKLOAD_DONE in text:
            timings.workload_done = now
        elif IDLE in text:
            timings.idle = now
            on_marker("idle")
    return None


def pump_attach(stream: Iterator[bytes], lines: Lines) -> None:
    """Split a container's attach stream into lines on the queue (None at its end)."""
    buffer = b""
    try:
        for chunk in stream:
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                lines.put(line.decode("utf-8", "replace"))
    except Exception:  # the stream breaks when the container is removed: that is its end
        pass
    if buffer:
        lines.put(buffer.decode("utf-8", "replace"))
    lines.put(None)


def tree(root: psutil.Process | None) -> list[psutil.Process]:
    """A process and all its descendants (empty when it is gone)."""
    if root is None:
        return []
    try:
        return [root, *root.children(recursive=True)]
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []


def rss_of(procs: list[psutil.Process]) -> int:
    """Resident memory of these processes together (those that have exited count 0)."""
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def cpu_seconds_of(procs: list[psutil.Process]) -> float:
    """User + system CPU seconds these processes have used."""
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


class ContainerUnit:
    """A container (runc) or a gVisor sandbox (runsc) running the lesson's script."""

    def __init__(self, container: ContainerHandle, runtime: str) -> None:
        """Wrap a created (not yet started) container."""
        self.container = container
        self.runtime = runtime
        self.lines: Lines = queue.Queue()
        self.shim: psutil.Process | None = None
        self._cgroup: CgroupPaths | None = None

    def start(self) -> float:
        """Attach (so the first line cannot be missed), start, return the host time of start."""
        stream = self.container.attach_output()
        threading.Thread(target=pump_attach, args=(stream, self.lines), daemon=True).start()
        began = time.monotonic()
        self.container.start()
        return began

    def go(self) -> None:
        """Let the script past its readiness marker: a line on the container's stdin."""
        self.container.send_stdin(GO)

    def locate(self) -> None:
        """Find the shim (and, for runc, the cgroup) once the container runs."""
        cid = self.container.id
        self.shim = shim_of(cid)
        if self.runtime == "runc":
            try:
                pid = self.container.host_pid()
            except (EngineError, KeyError, ValueError):
                return
            self._cgroup = CgroupPaths.of_process(cid, pid) if pid else None

    def processes(self) -> list[psutil.Process]:
        """The host processes this unit runs on: the shim and everything under it."""
        return tree(self.shim)

    def host_memory(self) -> int | None:
        """runc: the cgroup's working set + the shim; runsc: the sandbox, gofer and shim RSS."""
        procs = self.processes()
        if self.runtime != "runc":
            return rss_of(procs) or None
        shim_rss = rss_of(procs[:1])
        working_set = None
        if self._cgroup is not None:
            try:
                working_set = read_counters(self._cgroup).memory
            except OSError:
                working_set = None
        if working_set is None:
            working_set = self.container.memory()
        return working_set + shim_rss if working_set is not None else None

    def stop(self) -> None:
        """Force-remove the container (idempotent)."""
        with contextlib.suppress(EngineError):  # gone already, or the engine with it
            self.container.remove()


class VmUnit:
    """A QEMU VM booted from the image's exported root disk."""

    def __init__(self, qemu: QemuProcess, accelerator: str, memory_mib: int) -> None:
        """Wrap a started QEMU."""
        self.qemu = qemu
        self.accelerator = accelerator
        self.memory_mib = memory_mib
        self.lines = qemu.lines
        try:
            self.process: psutil.Process | None = psutil.Process(qemu.pid)
        except psutil.NoSuchProcess:
            self.process = None

    def go(self) -> None:
        """Let the script past its readiness marker: a line on the guest's serial console."""
        self.qemu.send(GO)

    def processes(self) -> list[psutil.Process]:
        """QEMU itself."""
        return [self.process] if self.process is not None else []

    def host_memory(self) -> int | None:
        """QEMU's resident memory: the guest pages it touched, its code and TCG's caches."""
        return rss_of(self.processes()) or None

    def stop(self) -> None:
        """Kill QEMU (idempotent)."""
        self.qemu.kill()


@dataclass
class UnitState:
    """What the lesson knows of one unit while it runs."""

    phase: str = "waiting"
    note: str = ""
    unit: ContainerUnit | VmUnit | None = None
    timings: Timings | None = None
    memfree_kb: int | None = None
    last_cpu: tuple[float, float] | None = None  # (monotonic time, cpu seconds) of last sample
    error: str = ""
    extra: dict[str, object] = field(default_factory=dict)
