"""The container-vs-VM arithmetic, on hand-made profiles and footprints."""

from __future__ import annotations

import pytest

from tui.baseline.compare import (
    MIB,
    Comparison,
    compare_all,
    fit_count,
    format_value,
    unique_layer_bytes,
    vm_disk_bytes,
    vm_memory_bytes,
    vm_start_seconds,
)
from tui.baseline.profiles import Profile, load_reference_profiles, parse_profiles
from tui.engine.footprint import ContainerFootprint

GIB = 1024 * MIB


def compare_one(fp: ContainerFootprint, profile: Profile, host_bytes: int) -> list[Comparison]:
    """Memory, start, disk and density of one container against a VM of `profile`."""
    return compare_all([fp], profile, host_bytes)


def make_profile(**figures: float) -> Profile:
    doc = {
        "sources": {
            "s": {"title": "T", "authors": "A", "publisher": "P", "year": 2020, "url": "u"}
        },
        "profiles": [
            {
                "id": "p",
                "name": "P",
                "figures": {k: {"value": v, "source": "s"} for k, v in figures.items()},
            }
        ],
    }
    return parse_profiles(doc)[0]


def fp(name: str, mem_mib: float | None, start: float | None, layers=()) -> ContainerFootprint:
    memory = None if mem_mib is None else int(mem_mib * MIB)
    return ContainerFootprint(name, name, "img", memory, start, tuple(layers))


def test_vm_memory_adds_guest_os_and_vmm_with_a_floor():
    profile = make_profile(guest_os_mib=200, vmm_overhead_mib=5, guest_memory_mib=256)
    # The guest's RAM is at least what it is given; QEMU's own overhead comes on top.
    assert vm_memory_bytes(10 * MIB, profile) == 261 * MIB  # max(10 + 200, 256) + 5
    assert vm_memory_bytes(100 * MIB, profile) == 305 * MIB  # max(100 + 200, 256) + 5


def test_vm_memory_unknown_without_memory_figures():
    assert vm_memory_bytes(10 * MIB, make_profile(boot_seconds=1)) is None


def test_vm_start_is_boot_plus_workload_start():
    assert vm_start_seconds(0.2, make_profile(boot_seconds=4.0)) == pytest.approx(4.2)
    assert vm_start_seconds(0.2, make_profile(guest_os_mib=1)) is None


def test_vm_disk_is_image_on_guest_disk_with_minimum():
    assert vm_disk_bytes(100 * MIB, make_profile(disk_mib=9)) == 109 * MIB
    assert vm_disk_bytes(100 * MIB, make_profile(min_disk_mib=4096)) == 4 * GIB
    assert vm_disk_bytes(100 * MIB, make_profile(boot_seconds=1)) is None


def test_shared_layers_are_counted_once():
    base = [("sha256:a", 80), ("sha256:b", 20)]
    derived = [*base, ("sha256:c", 5)]
    other = [("sha256:x", 50)]
    assert unique_layer_bytes([base, derived, other]) == 155
    assert unique_layer_bytes([]) == 0


def test_fit_count_floors_and_handles_unknown():
    assert fit_count(10 * GIB, 3 * GIB) == 3
    assert fit_count(10 * GIB, None) is None
    assert fit_count(10 * GIB, 0) is None


def test_compare_one_container_against_measured_like_profile():
    profile = make_profile(boot_seconds=4.0, guest_os_mib=200, disk_mib=10)
    one = fp("web", 50, 0.25, [("sha256:a", 100 * MIB)])
    got = {c.metric: c for c in compare_one(one, profile, host_bytes=16 * GIB)}
    assert got["memory"].container == 50 * MIB
    assert got["memory"].vm == 250 * MIB
    assert got["memory"].ratio == pytest.approx(5.0)
    assert got["start"].vm == pytest.approx(4.25)
    assert got["disk"].vm == 110 * MIB
    assert got["density"].container == (16 * GIB) // (50 * MIB)
    assert got["density"].vm == (16 * GIB) // (250 * MIB)


def test_compare_all_sums_memory_shares_layers_and_averages_start():
    profile = make_profile(boot_seconds=1.0, guest_memory_mib=1024, min_disk_mib=4096)
    shared = ("sha256:base", 100 * MIB)
    fps = [
        fp("a", 10, 0.1, [shared, ("sha256:a", 5 * MIB)]),
        fp("b", 30, 0.3, [shared]),
        fp("c", None, None, [shared]),  # not sampled yet: left out of memory and start
    ]
    got = {c.metric: c for c in compare_all(fps, profile, host_bytes=8 * GIB)}
    assert got["memory"].container == 40 * MIB
    assert got["memory"].vm == 2 * GIB  # two VMs of at least 1 GiB each
    assert got["start"].container == pytest.approx(0.2)
    assert got["start"].vm == pytest.approx(1.2)
    assert "mean of 2" in got["start"].note
    assert got["disk"].container == 105 * MIB  # the base layer once
    assert got["disk"].vm == 3 * 4 * GIB  # VMs share nothing
    assert got["density"].container == (8 * GIB) // (20 * MIB)
    assert got["density"].vm == 8


def test_missing_figures_say_how_to_get_them():
    profile = make_profile(guest_memory_mib=256)
    got = {c.metric: c for c in compare_one(fp("x", 10, 0.1), profile, 8 * GIB)}
    assert got["start"].vm is None and got["start"].provenance == ""
    assert "cites no boot time" in got["start"].note
    assert got["disk"].vm is None and got["disk"].ratio is None


def test_no_containers_gives_unknowns():
    got = compare_all([], make_profile(boot_seconds=1), 8 * GIB)
    assert [(c.metric, c.container) for c in got] == [
        ("memory", None),
        ("start", None),
        ("disk", None),
        ("density", None),
    ]


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (None, "s", "n/a"),
        (0.125, "s", "125 ms"),
        (4.2, "s", "4.20 s"),
        (50 * MIB, "bytes", "50.0 MiB"),
        (4 * GIB, "bytes", "4.00 GiB"),
        (12.0, "count", "12"),
    ],
)
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text


def test_container_cost_includes_its_shim_and_density_uses_it():
    one = ContainerFootprint("c", "c", "img", 10 * MIB, 0.1, (), shim_rss_bytes=6 * MIB)
    assert one.host_cost_bytes == 16 * MIB
    profile = make_profile(guest_memory_mib=256, vmm_overhead_mib=200)
    got = {c.metric: c for c in compare_one(one, profile, host_bytes=4 * GIB)}
    assert got["memory"].container == 16 * MIB  # working set + shim
    assert got["memory"].vm == (256 + 200) * MIB  # the guest is given 256 MiB, QEMU adds 200
    assert got["density"].container == (4 * GIB) // (16 * MIB)
    assert got["density"].vm == (4 * GIB) // (456 * MIB)
    unsampled = ContainerFootprint("d", "d", "img", None, None, (), shim_rss_bytes=6 * MIB)
    assert unsampled.host_cost_bytes is None


def test_each_vm_figure_says_whether_it_is_measured_or_cited():
    cited = make_profile(boot_seconds=1.0, guest_memory_mib=256, disk_mib=5)
    got = compare_one(fp("x", 10, 0.1, [("sha256:a", MIB)]), cited, 8 * GIB)
    assert {c.provenance for c in got} == {"cited"}
    measured = Profile("m", "measured", "measured", cited.figures, {"accelerator": "tcg"})
    got = compare_one(fp("x", 10, 0.1, [("sha256:a", MIB)]), measured, 8 * GIB)
    assert {c.provenance for c in got} == {"measured"}


def test_every_shipped_profile_without_a_sourced_boot_time_gives_no_start():
    for profile in load_reference_profiles():
        start = {c.metric: c for c in compare_one(fp("x", 10, 0.1), profile, 8 * GIB)}["start"]
        if profile.has("boot_seconds"):
            assert start.vm is not None and start.provenance == "cited"
            assert profile.figures["boot_seconds"].source.url.startswith("https://")
        else:
            assert start.vm is None and start.provenance == "" and "no VM start" in start.note
