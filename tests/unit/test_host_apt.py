"""Installing Debian packages (tui/host/apt.py) and bootstrapping uv (tui/host/bootstrap.py).

Real installs happen in the pristine-Debian lane (tests/pristine), as root and through sudo,
in throwaway containers: this shared machine's packages are not changed by a unit test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tui.errors import LabError
from tui.host import apt, bootstrap

ROOT = Path(__file__).resolve().parents[2]


def test_apt_installs_without_recommends_or_questions() -> None:
    assert apt.install_command(["gpg", "gpg-agent"]) == [
        "apt-get", "install", "-y", "-q", "--no-install-recommends", "gpg", "gpg-agent",
    ]  # fmt: skip


def test_an_alternative_is_the_first_package_the_archive_has() -> None:
    trixie = {"docker-cli", "docker.io"}
    bookworm = {"docker.io"}
    assert apt.resolve("docker-cli|docker.io", trixie.__contains__) == "docker-cli"
    assert apt.resolve("docker-cli|docker.io", bookworm.__contains__) == "docker.io"
    assert apt.resolve("gpg", lambda name: pytest.fail("asked the archive of a sole name")) == "gpg"
    assert apt.resolve("gpg", bookworm.__contains__) == "gpg"


def test_root_runs_as_itself_and_a_user_through_sudo(monkeypatch, tmp_path) -> None:
    # Only looked up here, never run (this machine has no sudo; the lane runs the real one).
    (tmp_path / "sudo").write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "sudo").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    argv = ["python3", "-m", "tui.host.apt", "install", "gpg"]
    assert apt.elevated(argv, as_root="apt-get install gpg", euid=0) == argv
    assert apt.elevated(argv, as_root="apt-get install gpg", euid=1000) == ["sudo", "--", *argv]
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(LabError) as refused:
        apt.elevated(argv, as_root="apt-get install gpg", euid=1000)
    assert str(refused.value) == (
        "This needs root and sudo is not installed: run `apt-get install gpg` as root."
    )


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        (
            "Reading package lists...\nE: Unable to locate package no-such-thing\n",
            "E: Unable to locate package no-such-thing",
        ),
        (
            "Setting up x ...\ndpkg: error processing package x (--configure):\n"
            "E: Sub-process /usr/bin/dpkg returned an error code (1)\n",
            "dpkg: error processing package x (--configure):",
        ),
        ("Reading package lists...\nsomething odd\n", "something odd"),
    ],
)
def test_an_apt_failure_is_told_by_its_first_error(output: str, reason: str) -> None:
    failed = subprocess.CompletedProcess(["apt-get"], 100, stdout=output, stderr="")
    assert apt.failure_reason(failed) == reason


@pytest.mark.bad_input
def test_the_module_refuses_a_wrong_call_in_one_line(bad_input) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui.host.apt", "remove", "gpg"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "usage: python -m tui.host.apt install PACKAGE..."
    bad_input("apt module called with another action than install")


def test_the_pinned_uv_is_hashed_for_every_platform_it_ships() -> None:
    text = bootstrap.REQUIREMENTS.read_text()
    assert bootstrap.uv_version().count(".") == 2
    hashes = [line for line in text.splitlines() if "--hash=sha256:" in line]
    assert len(hashes) >= 10  # one per wheel (Linux, macOS, Windows, each architecture) + sdist
    assert all(len(line.split("sha256:")[1].rstrip(" \\")) == 64 for line in hashes)


def test_a_venv_needs_python3_venv_and_https_needs_ca_certificates(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(bootstrap, "CA_BUNDLE", tmp_path / "none.crt")
    monkeypatch.setattr(bootstrap.importlib.util, "find_spec", lambda name: None)
    assert bootstrap.missing_debian_packages() == ["python3-venv", "ca-certificates"]


def test_uv_lives_in_the_users_cache_by_version(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert bootstrap.uv_home() == tmp_path / "container-lab" / f"uv-{bootstrap.uv_version()}"


def test_lab_never_breaks_system_packages() -> None:
    """PEP 668's escape hatch is never used: not in ./lab, not in tui/."""
    flag = "--break-" + "system-packages"
    files = [ROOT / "lab", *ROOT.joinpath("tui").rglob("*.py")]
    assert not [path for path in files if flag in path.read_text()]
