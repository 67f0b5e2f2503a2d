"""The cgroup and /proc files parsed at their edges, on fake trees (tests/unit/
test_cgroup_stats.py builds them); each expected figure is worked out by hand."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.unit.test_cgroup_stats import CID, NET_DEV, PID, fake_proc, fake_v1, v1_lines, write
from tui.engine.stats.cgroup import (
    CgroupCollector,
    CgroupPaths,
    network_bytes,
    read_counters,
    sample_all,
    system_cpu_ns,
)


def test_host_cpu_time_is_the_first_seven_fields_of_the_cpu_line(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    # user nice system idle iowait irq softirq | steal guest guest_nice: the engine's sum stops
    # before steal; the per-CPU lines below are not counted.
    write(proc / "stat", "cpu  1 2 3 4 5 6 7 800 900 1000\ncpu0 50 50 50 50 0 0 0 0 0 0\n")
    assert system_cpu_ns(proc) == 28 * 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    assert isinstance(system_cpu_ns(proc), int)


def v2_tree(tmp_path: Path, usage_usec: int) -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    folder = root / "system.slice" / f"docker-{CID}.scope"
    write(root / "cgroup.controllers", "cpu io memory pids\n")
    write(folder / "cpu.stat", f"user_usec 5\nusage_usec {usage_usec}\nsystem_usec 7")
    write(folder / "memory.current", "4096\n")
    write(folder / "memory.stat", "inactive_file 1024\nanon 1")
    write(folder / "memory.max", "1048576\n")
    write(folder / "io.stat", "8:0 rbytes=3 wbytes=4\n")
    write(folder / "pids.current", "1\n")
    proc = fake_proc(tmp_path, f"0::/system.slice/docker-{CID}.scope\n")
    return root, proc


def test_v2_counters_read_keys_anywhere_in_their_files(tmp_path: Path) -> None:
    root, proc = v2_tree(tmp_path, 3000)
    paths = CgroupPaths.of_process(CID, PID, root, proc)
    assert paths is not None and paths.version == 2
    counters = read_counters(paths)
    assert counters.cpu_ns == 3_000_000  # usage_usec in ns, not the user or system share
    assert (counters.memory, counters.memory_limit) == (3072, 1048576)
    assert (counters.block_read, counters.block_write, counters.pids) == (3, 4, 1)


def test_v2_cpu_percent_from_two_samples(tmp_path: Path) -> None:
    root, proc = v2_tree(tmp_path, 0)
    collector = CgroupCollector(root, proc)
    collector.online_cpus = 2
    assert collector.sample(CID, PID, system=1_000_000_000) is not None
    write(
        root / "system.slice" / f"docker-{CID}.scope" / "cpu.stat", "usage_usec 250000\n"
    )  # 0.25 s of CPU over 1 s of host time on 2 CPUs
    sample = collector.sample(CID, PID, system=2_000_000_000)
    assert sample is not None and sample.cpu_percent == pytest.approx(50.0)


def test_a_missing_key_reads_as_zero_and_the_first_line_counts(tmp_path: Path) -> None:
    root, proc = fake_v1(tmp_path), fake_proc(tmp_path, v1_lines())
    folder = root / "memory" / "docker" / CID
    write(folder / "memory.stat", "total_inactive_file 1048576\ncache 5")  # first line, no \n end
    paths = CgroupPaths.of_process(CID, PID, root, proc)
    assert paths is not None and read_counters(paths).memory == 10485760 - 1048576
    write(folder / "memory.stat", "cache 5\ntotal_inactive_file_x 7\n")
    assert read_counters(paths).memory == 10485760


def test_v1_block_io_counts_only_read_and_write_lines(tmp_path: Path) -> None:
    root, proc = fake_v1(tmp_path), fake_proc(tmp_path, v1_lines())
    write(
        root / "blkio" / "docker" / CID / "blkio.throttle.io_service_bytes",
        "8:0 Read 10\n8:0 Write 20\n8:0 Async 40\n8:0 Total 70\nRead 1000\nTotal 70\n",
    )
    paths = CgroupPaths.of_process(CID, PID, root, proc)
    assert paths is not None
    counters = read_counters(paths)
    assert (counters.block_read, counters.block_write) == (10, 20)


def test_network_skips_the_two_header_lines_and_loopback(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, v1_lines())
    assert network_bytes(PID, proc) == (1600, 750)
    short = NET_DEV + "  eth9: 1 2 3 4 5 6 7 8\n"  # 8 fields: no transmit column, skipped
    write(proc / str(PID) / "net" / "dev", short)
    assert network_bytes(PID, proc) == (1600, 750)
    assert network_bytes(999999, proc) == (0, 0)  # no such process


def test_sample_all_reads_every_container_and_forgets_a_gone_one(tmp_path: Path) -> None:
    root, proc = fake_v1(tmp_path), fake_proc(tmp_path, v1_lines())
    collector = CgroupCollector(root, proc)
    moment, samples = sample_all(collector, {CID: PID, "f" * 64: 0})
    assert moment > 0 and list(samples) == [CID]
    assert samples[CID].memory == 10485760 - 2097152 and samples[CID].pids == 3
    collector.forget(CID)
    assert collector.sample(CID, 0) is None  # forgotten: a pid is needed to find it again
    assert collector.sample(CID, PID) is not None
