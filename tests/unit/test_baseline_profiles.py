"""The cited profile file, and the loader's refusal of figures without a source."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from tui.baseline.measure import measured_document
from tui.baseline.profiles import (
    FIGURE_UNITS,
    SOURCE_FIELDS,
    load_all_profiles,
    load_reference_profiles,
    measured_profile_path,
    parse_profiles,
)
from tui.baseline.qemu import BootResult
from tui.errors import LabError
from tui.paths import LabPaths


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


def test_measured_document_round_trips_through_the_same_checks(tmp_path: Path):
    boot = BootResult("tcg", 4.2, 200 * 1024 * 1024, 4.0, 512, 28000, 1.5, "QEMU 7.2")
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    doc = measured_document(boot, 9_000_000, Path("/boot/vmlinuz-x"), when=when, host="h")
    paths = LabPaths(tmp_path)
    path = measured_profile_path(paths)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(doc))
    profiles = load_all_profiles(paths)
    measured = profiles[0]
    assert measured.measured
    assert measured.value("boot_seconds") == pytest.approx(4.2)
    assert measured.value("guest_os_mib") == pytest.approx(200)
    assert measured.provenance() == "measured on this host (h, QEMU tcg, 2026-01-02)"
    assert len(profiles) == 1 + len(load_reference_profiles())
