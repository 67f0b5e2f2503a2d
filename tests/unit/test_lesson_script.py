"""The lesson's script and its markers (pure parts)."""

from __future__ import annotations

import subprocess

from tui.baseline.lesson import LessonResult, UnitResult
from tui.baseline.measure import vmm_overhead
from tui.baseline.workload import SCRIPT, VM_INIT, parse_memfree_kb, parse_ready

MIB = 1024 * 1024


def test_markers_parse():
    ready = parse_ready("\x1b[0mCONTAINER_LAB_READY debian=12.15 kernel=4.4.0")
    assert ready is not None and (ready.debian, ready.kernel) == ("12.15", "4.4.0")
    assert parse_ready("CONTAINER_LAB_WORKLOAD_START") is None
    assert parse_memfree_kb("CONTAINER_LAB_IDLE memfree_kb=173060") == 173060
    assert parse_memfree_kb("CONTAINER_LAB_IDLE memfree_kb=") is None


def test_the_script_is_posix_sh_and_the_vm_init_runs_the_same_one():
    # dash -n parses without running: the script must be plain POSIX sh.
    assert subprocess.run(["dash", "-n", "-c", SCRIPT], check=False).returncode == 0
    assert VM_INIT.startswith("#!/bin/sh\n") and VM_INIT.endswith(SCRIPT)
    assert "mount -t proc" in VM_INIT


def test_vmm_overhead_is_rss_beyond_the_guest_pages_touched():
    # 256 MiB guest, 100 MiB of it never touched (MemFree): 156 MiB touched; RSS 400 MiB.
    assert vmm_overhead(400 * MIB, 256 * MIB, 100 * 1024) == 244 * MIB
    assert vmm_overhead(100 * MIB, 256 * MIB, 100 * 1024) == 0  # never negative
    assert vmm_overhead(None, 256 * MIB, 1) is None
    assert vmm_overhead(400 * MIB, 256 * MIB, None) is None


def test_fit_count_uses_each_units_cost():
    def unit(kind: str, cost: int | None) -> UnitResult:
        return UnitResult(
            kind, cost is not None, "", None, None, None, None, None, None, "", False, cost
        )

    units = {"container": unit("container", 10 * MIB), "gvisor": unit("gvisor", None)}
    units["vm"] = unit("vm", 300 * MIB)
    result = LessonResult("img", "tcg", "h", "2026-01-01", {}, 1000 * MIB, units)
    assert result.fit_count("container") == 100
    assert result.fit_count("vm") == 3
    assert result.fit_count("gvisor") is None and result.fit_count("nothing") is None
