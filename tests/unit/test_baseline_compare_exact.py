"""The container-vs-VM comparisons written out whole, figure, unit, note and provenance, for a
few cases worked out by hand from the rules in tui/baseline/compare.py's docstring."""

from __future__ import annotations

from tests.unit.test_baseline_compare import GIB, compare_one, fp, make_profile
from tui.baseline.compare import MIB, Comparison, compare_all, fit_count, format_value
from tui.engine.footprint import ContainerFootprint

MEASURE = "run `container-lab baseline measure`"


def test_one_container_against_a_profile_with_every_figure():
    profile = make_profile(boot_seconds=4.0, guest_os_mib=200, disk_mib=10)
    got = compare_one(fp("web", 50, 0.25, [("sha256:a", 100 * MIB)]), profile, 16 * GIB)
    assert got == [
        Comparison(
            "memory", 50 * MIB, 250 * MIB, "bytes", "container: working set + shim", "cited"
        ),
        Comparison("start", 0.25, 4.25, "s", "", "cited"),
        Comparison("disk", 100 * MIB, 110 * MIB, "bytes", "", "cited"),
        Comparison(
            "density",
            327.0,
            65.0,
            "count",
            "host memory 16.0 GiB / what each costs the host",
            "cited",
        ),
    ]


def test_two_containers_and_a_profile_that_cites_only_a_boot_time():
    profile = make_profile(boot_seconds=2.0)
    shared = ("sha256:base", 10 * MIB)
    got = compare_all([fp("a", 10, 0.5, [shared]), fp("b", 30, 1.5, [shared])], profile, 2 * GIB)
    assert got == [
        Comparison("memory", 40 * MIB, None, "bytes", f"P cites no guest memory: {MEASURE}", ""),
        Comparison("start", 1.0, 3.0, "s", "mean of 2 containers", "cited"),
        Comparison("disk", 10 * MIB, None, "bytes", f"P cites no disk size: {MEASURE}", ""),
        Comparison(
            "density", 102.0, None, "count", "host memory 2.0 GiB / what each costs the host", ""
        ),
    ]


def test_two_containers_on_a_profile_with_disk_figures_share_their_layers():
    profile = make_profile(disk_mib=1, min_disk_mib=100)
    shared = ("sha256:base", 10 * MIB)
    got = compare_all([fp("a", 10, None, [shared]), fp("b", 10, None, [shared])], profile, GIB)
    assert got[1] == Comparison("start", None, None, "s", "no start measured (nothing logged yet)")
    assert got[2] == Comparison(
        "disk", 10 * MIB, 200 * MIB, "bytes", "shared layers counted once", "cited"
    )


def test_a_container_using_no_memory_costs_its_vm_the_guest_alone():
    profile = make_profile(guest_os_mib=100, vmm_overhead_mib=20)
    idle = ContainerFootprint("i", "i", "img", 0, 0.1, ())
    memory, _, _, density = compare_one(idle, profile, GIB)
    assert (memory.container, memory.vm) == (0.0, 120 * MIB)
    assert (density.container, density.vm) == (None, 8.0)  # nothing fits "0 bytes" times


def test_figures_for_people_change_unit_at_one_gib_and_one_second():
    assert format_value(1024 * MIB, "bytes") == "1.00 GiB"
    assert format_value(1023 * MIB, "bytes") == "1023.0 MiB"
    assert format_value(1536 * MIB, "bytes") == "1.50 GiB"
    assert format_value(1.0, "s") == "1.00 s"
    assert format_value(0.999, "s") == "999 ms"


def test_how_many_fit():
    assert fit_count(10, 1) == 10
    assert fit_count(10, 3) == 3
    assert fit_count(10, 0) is None and fit_count(10, -1) is None and fit_count(10, None) is None
