"""The cited profile file, and the loader's refusal of figures without a source."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from tui.baseline.lesson import LessonResult, UnitResult
from tui.baseline.measure import lesson_result, save_lesson
from tui.baseline.profiles import (
    FIGURE_UNITS,
    SOURCE_FIELDS,
    load_all_profiles,
    load_reference_profiles,
    measured_profile_path,
    parse_profiles,
)
from tui.errors import LabError
from tui.paths import LabPaths

MIB = 1024 * 1024


def raw_reference() -> dict:
    text = resources.files("tui.baseline").joinpath("profiles.json").read_text(encoding="utf-8")
    return json.loads(text)


def test_every_figure_in_the_shipped_file_has_a_complete_source():
    data = raw_reference()
    for profile in data["profiles"]:
        assert profile["figures"], profile["id"]
        for key, figure in profile["figures"].items():
            assert key in FIGURE_UNITS
            source = data["sources"][figure["source"]]
            for field in SOURCE_FIELDS:
                assert str(source[field]).strip(), (profile["id"], key, field)
            assert source["url"].startswith("https://")
            assert 1990 < int(source["year"]) <= datetime.now(UTC).year


def test_every_source_is_cited_by_some_figure():
    data = raw_reference()
    cited = {f["source"] for p in data["profiles"] for f in p["figures"].values()}
    assert cited == set(data["sources"])


def test_shipped_profiles_cover_a_full_vm_and_a_microvm():
    profiles = {p.id: p for p in load_reference_profiles()}
    assert profiles["kvm-ubuntu-server"].kind == "full-vm"
    assert profiles["firecracker-microvm"].kind == "microvm"
    firecracker = profiles["firecracker-microvm"]
    assert firecracker.value("boot_seconds") == 0.125
    assert firecracker.value("vmm_overhead_mib") == 5
    assert firecracker.figures["boot_seconds"].source.id == "firecracker-spec"
    assert profiles["kvm-ubuntu-server"].figures["random_read_iops_factor"].value == 0.5


def _doc(figure: dict, source: dict | None = None) -> dict:
    src = source or {"title": "T", "authors": "A", "publisher": "P", "year": 2015, "url": "u"}
    return {"sources": {"s": src}, "profiles": [{"id": "p", "name": "P", "figures": figure}]}


def test_a_figure_without_a_source_is_refused():
    with pytest.raises(LabError, match="no source"):
        parse_profiles(_doc({"boot_seconds": {"value": 1.0}}))


def test_a_figure_citing_an_unknown_source_is_refused():
    with pytest.raises(LabError, match="not among the sources"):
        parse_profiles(_doc({"boot_seconds": {"value": 1.0, "source": "nowhere"}}))


def test_an_incomplete_source_is_refused():
    source = {"title": "T", "authors": "", "publisher": "P", "year": 2015, "url": "u"}
    with pytest.raises(LabError, match="lacks authors"):
        parse_profiles(_doc({"boot_seconds": {"value": 1.0, "source": "s"}}, source))


def test_unknown_figures_and_bad_values_are_refused():
    with pytest.raises(LabError, match="Unknown figure"):
        parse_profiles(_doc({"speed_of_light": {"value": 1.0, "source": "s"}}))
    with pytest.raises(LabError, match="numeric value"):
        parse_profiles(_doc({"boot_seconds": {"value": "fast", "source": "s"}}))


def _lesson_result() -> LessonResult:
    def unit(kind: str, **kw: object) -> UnitResult:
        base = dict(
            kind=kind,
            available=True,
            note="",
            ready_seconds=0.5,
            host_memory_bytes=14 * MIB,
            guest_memory_bytes=None,
            idle_cpu_percent=0.0,
            disk_bytes=100 * MIB,
            workload_seconds=2.0,
            kernel="6.1.0",
            emulated=False,
            cost_bytes=14 * MIB,
        )
        return UnitResult(**{**base, **kw})  # type: ignore[arg-type]

    return LessonResult(
        image="debian:bookworm-slim",
        accelerator="tcg",
        host="h",
        date="2026-01-02T03:04:05+00:00",
        versions={"qemu": "QEMU 7.2"},
        host_memory_bytes=1024 * MIB,
        units={
            "container": unit("container"),
            "gvisor": unit(
                "gvisor", host_memory_bytes=64 * MIB, cost_bytes=64 * MIB, kernel="4.4.0"
            ),
            "vm": unit(
                "vm",
                ready_seconds=40.0,
                host_memory_bytes=480 * MIB,
                guest_memory_bytes=256 * MIB,
                disk_bytes=250 * MIB,
                workload_seconds=8.0,
                emulated=True,
                cost_bytes=470 * MIB,
            ),
        },
    )


def test_measured_lesson_round_trips_through_the_same_checks(tmp_path: Path):
    paths = LabPaths(tmp_path)
    result = _lesson_result()
    saved, path = save_lesson(paths, result)
    assert path == measured_profile_path(paths)
    profiles = load_all_profiles(paths)
    measured = profiles[0]
    assert measured.measured and saved.id == measured.id
    assert measured.value("boot_seconds") == pytest.approx(40.0)
    assert measured.value("guest_memory_mib") == pytest.approx(256)
    assert measured.value("vmm_overhead_mib") == pytest.approx(470 - 256)
    assert measured.value("disk_mib") == pytest.approx(150)
    assert measured.value("workload_factor") == pytest.approx(4.0)
    assert measured.provenance() == "measured on this host (h, QEMU tcg, 2026-01-02)"
    assert len(profiles) == 1 + len(load_reference_profiles())
    assert lesson_result(measured) == result
    assert result.fit_count("container") == 1024 // 14
    assert result.fit_count("vm") == 2
    assert lesson_result(profiles[1]) is None  # a cited profile carries no lesson
