"""`container-lab baseline measure` for real, on this machine's QEMU (no Docker needed)."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui.baseline.profiles import load_profiles, measured_profile_path
from tui.cli import main
from tui.paths import PROJECT_ENV, LabPaths


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway project folder, so the measured profile lands in its .lab/."""
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))
    # Keep the test about the VM: no engine answers at this address, so the container side
    # is skipped with a note (it has its own test in test_baseline_footprint.py).
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    return tmp_path


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_measure_boots_a_real_vm_and_saves_a_measured_profile(project: Path, capsys):
    assert main(["baseline", "measure", "--timeout", "150", "--memory", "256"]) == 0
    out = capsys.readouterr().out
    assert "container side skipped" in out

    path = measured_profile_path(LabPaths(project))
    assert path.is_file() and path.parent.parent == project / ".lab"
    profile = load_profiles(path)[0]  # the same checks as the cited file: every figure sourced
    m = profile.measurement
    assert profile.measured and m["accelerator"] in {"kvm", "tcg"}
    # A real boot: a Linux kernel cannot reach userspace in under 0.1 s even with KVM.
    assert 0.1 < profile.value("boot_seconds") < 150
    assert m["boot_seconds"] == pytest.approx(profile.value("boot_seconds"), abs=1e-3)
    # QEMU's resident memory holds at least the kernel and the unpacked initramfs.
    assert m["qemu_rss_bytes"] > 20 * 1024 * 1024
    assert profile.value("guest_os_mib") == pytest.approx(m["qemu_rss_bytes"] / 2**20, rel=1e-3)
    assert m["qemu_cpu_seconds"] > 0
    assert m["guest_used_kb"] > 0 and m["guest_memory_mib"] == 256
    assert m["disk_bytes"] > 1024 * 1024
    assert m["host"] == socket.gethostname()
    assert m["date"][:10] == datetime.now(UTC).date().isoformat()
    assert f"Saved {path}" in out
    # `baseline show` lists it first, marked as measured on this host.
    assert main(["baseline", "show"]) == 0
    shown = capsys.readouterr().out
    assert shown.splitlines()[1].startswith("  source: measured on this host")
    assert "firecracker-spec" in shown


def test_missing_qemu_is_one_clear_line(project: Path, tmp_path: Path, monkeypatch, capsys):
    # The fault simulated: QEMU is not installed. PATH points at an empty folder, so
    # qemu-system-x86_64 cannot be found (nor anything else on PATH).
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert main(["baseline", "measure", "--timeout", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "QEMU is not installed" in err
    assert "apt-get install qemu-system-x86" in err
    assert not measured_profile_path(LabPaths(project)).exists()


def test_show_without_a_measurement_cites_every_source(project: Path, capsys):
    assert main(["baseline", "show"]) == 0
    out = capsys.readouterr().out
    assert "no profile measured on this host yet" in out
    data = json.loads((Path(__file__).parents[2] / "tui/baseline/profiles.json").read_text())
    for source in data["sources"].values():
        assert source["url"] in out
