"""`container-lab baseline measure` for real: the lesson from the shell, on this machine."""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest

from tui.baseline.lesson import LESSON_LABEL
from tui.baseline.profiles import load_profiles, measured_profile_path
from tui.baseline.qemu import QEMU_TAG
from tui.baseline.report import RESULT_ROWS
from tui.cli import main
from tui.paths import PROJECT_ENV, LabPaths


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway project folder, so the measured profile lands in its .lab/."""
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))
    return tmp_path


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_measure_runs_the_lesson_prints_a_table_stops_all_and_saves(
    project: Path, capsys, docker_client
):
    assert main(["baseline", "measure", "--timeout", "300", "--memory", "256"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "container (runc)" in line)
    assert "gVisor (runsc)" in header
    assert "VM (QEMU TCG, emulated)" in header or "VM (QEMU KVM)" in header
    for row in RESULT_ROWS:  # the rows and words of the dashboard's VM baseline tab
        assert any(line.startswith(f"{row}  ") for line in out.splitlines()), row
    path = measured_profile_path(LabPaths(project))
    assert f"Saved {path}" in out
    profile = load_profiles(path)[0]  # the same checks as the cited file: every figure sourced
    m = profile.measurement
    assert profile.measured and m["accelerator"] in {"kvm", "tcg"}
    assert m["host"] == socket.gethostname()
    assert m["date"][:10] == datetime.now(UTC).date().isoformat()
    assert set(m["units"]) == {"container", "gvisor", "vm"}
    assert 0.1 < profile.value("boot_seconds") < 300  # a real boot: never under 0.1 s
    assert profile.value("guest_memory_mib") == 256
    # Everything was stopped: no lesson container left, no QEMU of ours running.
    assert m["run_id"]
    mine = {"label": f"{LESSON_LABEL}={m['run_id']}"}
    assert docker_client.containers.list(ignore_removed=True, all=True, filters=mine) == []
    assert not [
        p
        for p in psutil.process_iter(["cmdline", "ppid"])
        if p.info["ppid"] == os.getpid() and QEMU_TAG in " ".join(p.info["cmdline"] or [])
    ]
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


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("args", "said"),
    [(["--memory", "16"], "too small"), (["--timeout", "0"], "positive number of seconds")],
)
def test_bad_measure_options_are_one_clear_line(project: Path, capsys, args, said):
    assert main(["baseline", "measure", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and said in err
    assert not measured_profile_path(LabPaths(project)).exists()
