"""A faster stats collector for a local engine: read the containers' cgroup files directly.

Instead of one stats stream per container held open on the engine (which decodes the cgroup
files, encodes JSON, and sends it once a second per container), read the kernel's counters
here. The cgroup is found from /proc/<init pid>/cgroup, so any cgroup parent and both drivers
(cgroupfs, systemd) and both versions (v1, v2) work. The figures follow the docker CLI's
formulas (tui.engine.stats.api); when the container's cgroup cannot be read here (a remote engine,
another pid namespace) `open_stats` falls back to the API's StatsStream.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import docker

from tui.engine.stats.api import StatsSample, StatsStream
from tui.errors import LabError

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC = Path("/proc")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_V1_CONTROLLERS = ("cpuacct", "memory", "blkio", "pids")


class CgroupUnavailable(LabError):
    """This container's cgroup cannot be read from here: use the stats API instead."""


def _read(path: str) -> bytes:
    """A small kernel file in one read (cheaper than Path.read_text, which decodes)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 1 << 16)
    finally:
        os.close(fd)


def _read_int(path: str) -> int:
    data = _read(path).strip()
    return 0 if data == b"max" else int(data)


def _keyed(data: bytes, key: bytes) -> int:
    """The value of `key` in a flat keyed file (memory.stat, cpu.stat); 0 when absent."""
    data = b"\n" + data
    at = data.find(b"\n" + key + b" ")
    if at < 0:
        return 0
    start = at + len(key) + 2
    end = data.find(b"\n", start)
    return int(data[start : end if end >= 0 else None])


def system_cpu_ns(proc: Path = PROC) -> int:
    """Host CPU time in ns from /proc/stat (user..softirq), as the engine's system_cpu_usage."""
    fields = _read(f"{proc}/stat").split(b"\n", 1)[0].split()[1:8]
    return sum(int(v) for v in fields) * 1_000_000_000 // _CLOCK_TICKS


def host_memory() -> int:
    """Total RAM: the limit the engine reports for a container without one."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


@dataclass(frozen=True)
class CgroupPaths:
    """Where one container's counters live (v1 controller folders, or one v2 folder)."""

    version: int
    cpu: Path
    memory: Path
    blkio: Path
    pids: Path
    own_network: bool = True  # False for --network host: /proc/<pid>/net/dev is the host's

    @classmethod
    def of_process(
        cls, container_id: str, pid: int, root: Path = CGROUP_ROOT, proc: Path = PROC
    ) -> CgroupPaths | None:
        """The cgroup of the container's init process, if it is this container's and readable."""
        try:
            lines = (proc / str(pid) / "cgroup").read_text().splitlines()
        except (OSError, ValueError):
            return None
        where: dict[str, str] = {}
        for line in lines:
            _, controllers, path = line.split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                where[name] = path.lstrip("/")
        used = [""] if (root / "cgroup.controllers").exists() else list(_V1_CONTROLLERS)
        if not all(container_id in where.get(name, "") for name in used):
            return None  # not this container's process (another host or pid namespace)
        if used == [""]:  # v2, unified
            folder = root / where[""]
            found = cls(2, folder, folder, folder, folder) if folder.is_dir() else None
        else:
            cpu, memory, blkio, pids = (root / name / where[name] for name in _V1_CONTROLLERS)
            readable = all(f.is_dir() for f in (cpu, memory, blkio, pids))
            found = cls(1, cpu, memory, blkio, pids) if readable else None
        if found is not None and _same_netns(pid, proc):
            found = cls(found.version, found.cpu, found.memory, found.blkio, found.pids, False)
        return found


def _same_netns(pid: int, proc: Path) -> bool:
    try:
        return os.readlink(proc / str(pid) / "ns" / "net") == os.readlink(proc / "1" / "ns" / "net")
    except OSError:
        return False


def network_bytes(pid: int, proc: Path = PROC) -> tuple[int, int]:
    """Received and sent bytes over the namespace's interfaces but loopback (as the engine)."""
    try:
        return _network(_read(f"{proc}/{pid}/net/dev"))
    except OSError:
        return 0, 0


def _network(data: bytes) -> tuple[int, int]:
    rx = tx = 0
    for line in data.splitlines()[2:]:
        name, _, rest = line.partition(b":")
        fields = rest.split()
        if name.strip() != b"lo" and len(fields) >= 9:
            rx += int(fields[0])
            tx += int(fields[8])
    return rx, tx


@dataclass(frozen=True)
class Counters:
    """The raw counters of one container at one moment."""

    cpu_ns: int
    memory: int
    memory_limit: int
    block_read: int
    block_write: int
    pids: int


@dataclass(frozen=True)
class _Files:
    """The files one sample reads, as strings (joined once, not every second)."""

    version: int
    cpu: str
    usage: str
    stat: str
    limit: str
    io: str
    pids: str

    @classmethod
    def of(cls, paths: CgroupPaths) -> _Files:
        if paths.version == 1:
            names = ("cpuacct.usage", "memory.usage_in_bytes", "memory.stat")
            rest = ("memory.limit_in_bytes", "blkio.throttle.io_service_bytes")
        else:
            names, rest = ("cpu.stat", "memory.current", "memory.stat"), ("memory.max", "io.stat")
        cpu, usage, stat = (
            str(f / n) for f, n in zip((paths.cpu, paths.memory, paths.memory), names, strict=True)
        )
        limit, io = str(paths.memory / rest[0]), str(paths.blkio / rest[1])
        return cls(paths.version, cpu, usage, stat, limit, io, str(paths.pids / "pids.current"))


def read_counters(paths: CgroupPaths | _Files) -> Counters:
    """Read one container's counters (raises OSError once its cgroup is gone)."""
    files = _Files.of(paths) if isinstance(paths, CgroupPaths) else paths
    read = write = 0
    io = _read(files.io)
    if files.version == 1:
        cpu = _read_int(files.cpu)
        inactive = _keyed(_read(files.stat), b"total_inactive_file")
        for line in io.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in (b"Read", b"Write"):
                read += int(parts[2]) if parts[1] == b"Read" else 0
                write += int(parts[2]) if parts[1] == b"Write" else 0
    else:
        cpu = _keyed(_read(files.cpu), b"usage_usec") * 1000
        inactive = _keyed(_read(files.stat), b"inactive_file")
        for field in io.split():
            key, _, value = field.partition(b"=")
            read += int(value) if key == b"rbytes" else 0
            write += int(value) if key == b"wbytes" else 0
    usage, limit = _read_int(files.usage), _read_int(files.limit)
    memory = usage - inactive if inactive < usage else usage
    return Counters(cpu, memory, limit, read, write, _read_int(files.pids))


@dataclass
class _Previous:
    container_cpu: int
    system_cpu: int


class CgroupCollector:
    """Samples containers from their cgroup files; CPU % needs two samples, like the API."""

    def __init__(self, root: Path = CGROUP_ROOT, proc: Path = PROC) -> None:
        """Remember each container's cgroup and previous CPU readings."""
        self.root, self.proc = root, proc
        self.online_cpus = os.sysconf("SC_NPROCESSORS_ONLN")
        self.host_memory = host_memory()
        self._previous: dict[str, _Previous] = {}
        self._paths: dict[str, CgroupPaths] = {}
        self._files: dict[str, _Files] = {}

    def available(self, container_id: str, pid: int) -> bool:
        """Whether this container's cgroup can be read here (else use the API)."""
        return self._find(container_id, pid) is not None

    def _find(self, container_id: str, pid: int) -> CgroupPaths | None:
        if container_id not in self._paths and pid > 0:
            found = CgroupPaths.of_process(container_id, pid, self.root, self.proc)
            if found is not None:
                self._paths[container_id] = found
                self._files[container_id] = _Files.of(found)
        return self._paths.get(container_id)

    def forget(self, container_id: str) -> None:
        """Drop what is remembered of a container."""
        self._paths.pop(container_id, None)
        self._files.pop(container_id, None)
        self._previous.pop(container_id, None)

    def sample(self, container_id: str, pid: int, system: int | None = None) -> StatsSample | None:
        """One sample, or None when the cgroup is not (or no longer) there."""
        paths = self._find(container_id, pid)
        if paths is None:
            return None
        try:
            counters = read_counters(self._files[container_id])
            system = system_cpu_ns(self.proc) if system is None else system
        except (OSError, ValueError):
            self.forget(container_id)
            return None
        previous = self._previous.get(container_id)
        self._previous[container_id] = _Previous(counters.cpu_ns, system)
        cpu_percent = 0.0
        if previous is not None:
            delta_cpu = counters.cpu_ns - previous.container_cpu
            delta_system = system - previous.system_cpu
            if delta_cpu > 0 and delta_system > 0:
                cpu_percent = delta_cpu / delta_system * self.online_cpus * 100.0
        limit = counters.memory_limit
        if not limit or limit > self.host_memory:
            limit = self.host_memory  # the engine reports the host's memory when there is none
        rx, tx = network_bytes(pid, self.proc) if paths.own_network else (0, 0)
        return StatsSample(
            container_id=container_id,
            cpu_percent=cpu_percent,
            memory=counters.memory,
            memory_limit=limit,
            memory_percent=counters.memory / limit * 100.0 if limit else 0.0,
            net_rx=rx,
            net_tx=tx,
            block_read=counters.block_read,
            block_write=counters.block_write,
            pids=counters.pids,
        )


def sample_all(
    collector: CgroupCollector, containers: dict[str, int]
) -> tuple[float, dict[str, StatsSample]]:
    """Sample every container (id -> init pid) once, one /proc/stat read for all."""
    moment = time.monotonic()
    system = system_cpu_ns(collector.proc)
    samples = {}
    for container_id, pid in containers.items():
        sample = collector.sample(container_id, pid, system)
        if sample is not None:
            samples[container_id] = sample
    return moment, samples


class CgroupStatsStream:
    """A drop-in for StatsStream read from cgroup files: iterate, `close()` from any thread.

    One sample at once (CPU 0 %, as the API's first), then one every `interval` seconds; the
    iteration ends when the container's cgroup goes away (it stopped). It cannot stall.
    """

    def __init__(
        self,
        api: docker.APIClient,
        container_id: str,
        interval: float = 1.0,
        collector: CgroupCollector | None = None,
    ) -> None:
        """Find the container's init process and cgroup; raise CgroupUnavailable if unreadable."""
        inspected = api.inspect_container(container_id)
        state = inspected.get("State") or {}
        self.container_id = container_id  # samples carry the id asked for, as StatsStream's
        self._full_id = str(inspected["Id"])
        self.pid = int(state.get("Pid") or 0)
        self.interval = interval
        self._collector = collector or CgroupCollector()
        if not state.get("Running") or not self._collector.available(self._full_id, self.pid):
            raise CgroupUnavailable(f"no readable cgroup for {container_id[:12]} here")
        self._stop = threading.Event()

    def __iter__(self) -> Iterator[StatsSample]:
        while not self._stop.is_set():
            started = time.monotonic()
            sample = self._collector.sample(self._full_id, self.pid)
            if sample is None:
                return
            yield replace(sample, container_id=self.container_id)
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def close(self) -> None:
        """Stop the stream (safe to call twice, from any thread)."""
        self._stop.set()


def is_local_engine(api: docker.APIClient) -> bool:
    """True when docker-py talks to the engine over a unix socket on this machine."""
    return str(getattr(api, "base_url", "")).startswith("http+docker://localhost")


def open_stats(api: docker.APIClient, container_id: str) -> CgroupStatsStream | StatsStream:
    """Stats from the cgroup files when they are readable here, else from the engine's API."""
    if is_local_engine(api):
        try:
            return CgroupStatsStream(api, container_id)
        except CgroupUnavailable:
            pass
    return StatsStream(api, container_id)
