"""A container without a memory limit shows the host's memory as its limit, as `docker stats`
does: cgroup v1 writes "no limit" as 9223372036854771712 (8 EiB), v2 as "max". Fake /proc and
/sys/fs/cgroup trees, v1 and v2 (the real engine's case is in
tests/integration/test_cgroup_limits.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_cgroup_stats import CID, PID, fake_proc, fake_v1, v1_lines, write
from tui.engine.stats.cgroup import CgroupCollector, CgroupPaths, read_counters
from tui.views.formats import memory_text

V1_NO_LIMIT = "9223372036854771712"


def test_v1_without_a_limit_reports_the_hosts_memory(tmp_path: Path) -> None:
    root, proc = fake_v1(tmp_path), fake_proc(tmp_path, v1_lines())
    write(root / "memory" / "docker" / CID / "memory.limit_in_bytes", V1_NO_LIMIT + "\n")
    collector = CgroupCollector(root, proc)
    collector.host_memory = 24 * 2**30
    sample = collector.sample(CID, PID)
    assert sample is not None
    assert sample.memory_limit == 24 * 2**30
    assert memory_text(sample) == "8MiB / 24GiB"
    assert sample.memory_percent == pytest.approx(8 * 2**20 / (24 * 2**30) * 100)


def test_a_v1_limit_above_the_hosts_memory_is_the_hosts_and_one_below_is_kept(tmp_path: Path):
    root, proc = fake_v1(tmp_path), fake_proc(tmp_path, v1_lines())
    limit = root / "memory" / "docker" / CID / "memory.limit_in_bytes"
    collector = CgroupCollector(root, proc)
    collector.host_memory = 4 * 2**30
    write(limit, str(4 * 2**30 + 4096) + "\n")
    sample = collector.sample(CID, PID)
    assert sample is not None and sample.memory_limit == 4 * 2**30
    write(limit, str(4 * 2**30) + "\n")  # exactly the host's: kept as it is
    sample = collector.sample(CID, PID)
    assert sample is not None and sample.memory_limit == 4 * 2**30
    write(limit, str(2**30) + "\n")
    sample = collector.sample(CID, PID)
    assert sample is not None and sample.memory_limit == 2**30


def test_memory_equal_to_the_inactive_file_cache_is_not_zero(tmp_path: Path) -> None:
    """The docker CLI subtracts the cache only when it is smaller than the usage."""
    root, proc = fake_v1(tmp_path), fake_proc(tmp_path, v1_lines())
    folder = root / "memory" / "docker" / CID
    write(folder / "memory.usage_in_bytes", "2097152\n")
    write(folder / "memory.stat", "total_inactive_file 2097152\n")
    paths = CgroupPaths.of_process(CID, PID, root, proc)
    assert paths is not None and read_counters(paths).memory == 2097152
