"""The cgroup collector on fake /proc and /sys/fs/cgroup trees, v1 and v2, any cgroup parent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.engine.stats.cgroup import (
    CgroupCollector,
    CgroupPaths,
    is_local_engine,
    network_bytes,
    sample_all,
)

CID = "c" * 64
PID = 4242
NET_DEV = """Inter-|   Receive                            |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop
    lo:     900       9    0    0    0     0          0         0      900       9    0    0
  eth0:    1500      12    0    0    0     0          0         0      700       5    0    0
  eth1:     100       1    0    0    0     0          0         0       50       1    0    0
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def fake_proc(tmp_path: Path, cgroup_lines: str, *, host_net: bool = False) -> Path:
    proc = tmp_path / "proc"
    write(proc / "stat", "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 1 1 1 1 0 0 0\n")
    write(proc / str(PID) / "cgroup", cgroup_lines)
    write(proc / str(PID) / "net" / "dev", NET_DEV)
    (proc / str(PID) / "ns").mkdir()
    (proc / "1" / "ns").mkdir(parents=True)
    (proc / str(PID) / "ns" / "net").symlink_to("net:[1]" if host_net else "net:[7]")
    (proc / "1" / "ns" / "net").symlink_to("net:[1]")
    return proc


def fake_v1(tmp_path: Path, parent: str = "docker") -> Path:
    root = tmp_path / "cgroup"
    for name in ("cpuacct", "memory", "blkio", "pids"):
        (root / name / parent / CID).mkdir(parents=True)
    write(root / "cpuacct" / parent / CID / "cpuacct.usage", "1000000000\n")
    write(root / "memory" / parent / CID / "memory.usage_in_bytes", "10485760\n")
    write(root / "memory" / parent / CID / "memory.stat", "cache 5\ntotal_inactive_file 2097152\n")
    write(root / "memory" / parent / CID / "memory.limit_in_bytes", "268435456\n")
    write(
        root / "blkio" / parent / CID / "blkio.throttle.io_service_bytes",
        "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 1\n8:0 Total 12288\n8:16 Read 4\nTotal 12292\n",
    )
    write(root / "pids" / parent / CID / "pids.current", "3\n")
    return root


def v1_lines(parent: str = "docker") -> str:
    lines = [f"{i}:{c}:/{parent}/{CID}" for i, c in enumerate(("cpu,cpuacct", "memory", "blkio"))]
    return "\n".join([*lines, f"8:pids:/{parent}/{CID}", f"0::/{parent}/{CID}"]) + "\n"


def test_v1_figures_follow_the_cli_formulas(tmp_path: Path) -> None:
    root, proc = fake_v1(tmp_path), fake_proc(tmp_path, v1_lines())
    collector = CgroupCollector(root, proc)
    collector.online_cpus = 2
    first = collector.sample(CID, PID)
    assert first is not None and first.cpu_percent == 0.0  # one reading: no delta yet
    write(root / "cpuacct" / "docker" / CID / "cpuacct.usage", "1500000000\n")
    write(proc / "stat", "cpu  200 0 200 1600 0 0 0 0 0 0\n")  # +1000 ticks = 10 s of host CPU
    sample = collector.sample(CID, PID)
    assert sample is not None
    assert sample.cpu_percent == pytest.approx(0.5 / 10 * 2 * 100)
    assert sample.memory == 10485760 - 2097152
    assert sample.memory_limit == 268435456
    assert (sample.block_read, sample.block_write) == (4100, 8192)
    assert (sample.net_rx, sample.net_tx) == (1600, 750)  # loopback left out
    assert sample.pids == 3


def test_a_custom_cgroup_parent_is_found_from_the_process(tmp_path: Path) -> None:
    root = fake_v1(tmp_path, parent="lab.slice/class")
    proc = fake_proc(tmp_path, v1_lines("lab.slice/class"))
    paths = CgroupPaths.of_process(CID, PID, root, proc)
    assert paths is not None and paths.version == 1
    assert paths.memory == root / "memory" / "lab.slice/class" / CID


def test_v2_systemd_scope(tmp_path: Path) -> None:
    root = tmp_path / "cgroup"
    folder = root / "system.slice" / f"docker-{CID}.scope"
    write(root / "cgroup.controllers", "cpu io memory pids\n")
    write(folder / "cpu.stat", "usage_usec 2000\nuser_usec 1000\n")
    write(folder / "memory.current", "8388608\n")
    write(folder / "memory.stat", "anon 1\ninactive_file 1048576\n")
    write(folder / "memory.max", "max\n")
    write(folder / "io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2\n8:16 rbytes=1 wbytes=2\n")
    write(folder / "pids.current", "2\n")
    proc = fake_proc(tmp_path, f"0::/system.slice/docker-{CID}.scope\n")
    collector = CgroupCollector(root, proc)
    sample = collector.sample(CID, PID)
    assert sample is not None
    assert sample.memory == 8388608 - 1048576
    assert sample.memory_limit == collector.host_memory  # no limit: the host's memory
    assert (sample.block_read, sample.block_write) == (101, 202)
    assert sample.pids == 2


def test_another_process_is_not_taken_for_the_container(tmp_path: Path) -> None:
    """A remote engine's pid may exist here too: its cgroup does not name the container."""
    root = fake_v1(tmp_path)
    proc = fake_proc(tmp_path, "4:memory:/user.slice\n0::/user.slice\n")
    collector = CgroupCollector(root, proc)
    assert not collector.available(CID, PID)
    assert collector.sample(CID, PID) is None
    assert not collector.available(CID, 0)


def test_host_network_counts_no_bytes(tmp_path: Path) -> None:
    root, proc = fake_v1(tmp_path), fake_proc(tmp_path, v1_lines(), host_net=True)
    sample = CgroupCollector(root, proc).sample(CID, PID)
    assert sample is not None and (sample.net_rx, sample.net_tx) == (0, 0)
    assert network_bytes(PID, proc) == (1600, 750)


def test_a_vanished_cgroup_ends_the_samples(tmp_path: Path) -> None:
    root, proc = fake_v1(tmp_path), fake_proc(tmp_path, v1_lines())
    collector = CgroupCollector(root, proc)
    assert sample_all(collector, {CID: PID})[1]
    (root / "memory" / "docker" / CID / "memory.usage_in_bytes").unlink()
    assert sample_all(collector, {CID: PID})[1] == {}


def test_only_a_unix_socket_counts_as_local() -> None:
    class Api:
        def __init__(self, url: str) -> None:
            self.base_url = url

    assert is_local_engine(Api("http+docker://localhost"))  # type: ignore[arg-type]
    assert not is_local_engine(Api("http://10.0.0.5:2375"))  # type: ignore[arg-type]
    assert not is_local_engine(Api("http+docker://ssh"))  # type: ignore[arg-type]
