"""The one list of what each command needs from the machine (tui/host/needs.py)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tui.host.needs import COMMANDS, SECTIONS, Package, expand, is_present, packages_of

TEST_ONLY = {
    "chromium",
    "chromium-driver",
    "openssh-server",
    "openssl",
    "podman",
    "iproute2",
    "strace",
}
LESSON = {"qemu-system-x86", "linux-image-amd64", "e2fsprogs", "runsc"}
ENGINE = {"docker.io", "docker-cli|docker.io", "docker-compose", "debootstrap"}
KEYS = {"gpg", "gpg-agent"}
CLUSTER = {"iproute2", "util-linux"}


def names(*commands: str) -> set[str]:
    return {package.name for package in packages_of(expand(commands))}


def test_the_dashboard_installs_its_lesson_and_keys_but_not_the_tests_packages() -> None:
    assert names("dashboard") == ENGINE | LESSON | KEYS
    assert not names("dashboard") & TEST_ONLY


def test_the_tests_add_the_browser_and_the_other_engines() -> None:
    assert names("test") == ENGINE | LESSON | KEYS | CLUSTER | TEST_ONLY


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("keys", KEYS),
        ("train", ENGINE | KEYS),
        ("baseline", ENGINE | LESSON),
        ("engine", ENGINE),
        ("verify", ENGINE),
        ("cluster", ENGINE | CLUSTER),
        ("config", set()),
    ],
)
def test_each_command_takes_only_what_it_uses(command: str, expected: set[str]) -> None:
    assert names(command) == expected


def test_sections_come_once_each_in_their_own_order() -> None:
    sections = [section.name for section in expand(["test", "train", "keys"])]
    assert sections == ["dashboard", "lesson", "keys", "train", "cluster", "test"]
    assert list(SECTIONS) == sections


def test_every_command_maps_to_known_sections_and_a_typo_is_refused() -> None:
    for command in COMMANDS:
        expand([command])
    with pytest.raises(ValueError, match="unknown command or section 'dashbaord'"):
        expand(["dashbaord"])


def _dpkg_installed(name: str) -> bool:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True, check=False
    )
    return result.stdout.endswith("install ok installed")


def test_each_package_is_seen_present_exactly_when_dpkg_has_it_installed() -> None:
    """The probes name what the packages really ship: checked against dpkg on this machine
    (./lab test installs them all, so every one is checked as present)."""
    if shutil.which("dpkg-query") is None:
        pytest.fail("this check needs Debian's dpkg-query")
    checked = []
    for package in packages_of(SECTIONS.values()):
        installed = [name for name in package.name.split("|") if _dpkg_installed(name)]
        assert is_present(package) == bool(installed), package
        checked.append(package.name)
    assert len(checked) == len(ENGINE | LESSON | KEYS | CLUSTER | TEST_ONLY)


def test_a_package_needs_all_it_provides_and_either_of_an_alternative(tmp_path) -> None:
    (tmp_path / "vmlinuz-6.1.0").write_text("")
    assert is_present(Package("x", ("sh", f"{tmp_path}/vmlinuz-*"), ""))
    assert not is_present(Package("x", ("sh", "no-such-program-for-the-lab"), ""))
    assert is_present(Package("x", ("no-such-program-for-the-lab|sh",), ""))
    assert not is_present(Package("x", (f"{tmp_path}/initrd-*",), ""))


def test_programs_in_sbin_count_for_a_user_whose_path_lacks_sbin(monkeypatch) -> None:
    if not is_present(Package("debootstrap", ("/usr/sbin/debootstrap",), "")):
        pytest.fail("./lab test installs debootstrap (in /usr/sbin)")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert is_present(Package("debootstrap", ("debootstrap",), ""))
