"""The Debian mirror is read from the machine's own apt sources (tui/host/mirror.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.errors import LabError
from tui.host.mirror import MIRROR_ENV, Mirror, debian_mirror, read_entries

DEB822 = """\
Types: deb
# a comment
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: https://security.mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: https://apt.vendor.example/node
Suites: nodistro
Components: main

Enabled: no
Types: deb
URIs: http://old.example/debian
Suites: bookworm
Components: main
"""
ONE_LINE = (
    "# deb http://commented.example/debian bookworm main\n"
    "deb [arch=amd64 signed-by=/usr/share/keyrings/vendor.gpg] https://cloud.vendor.example/apt"
    " cloud-sdk-bookworm main\n"
    "deb http://ftp.example/debian/ trixie main non-free-firmware\n"
    "deb http://ftp.example/debian-security trixie-security main\n"
)


def apt_dir(tmp_path: Path, sources: dict[str, str], main: str | None = None) -> Path:
    parts = tmp_path / "apt" / "sources.list.d"
    parts.mkdir(parents=True)
    for name, text in sources.items():
        (parts / name).write_text(text)
    if main is not None:
        (tmp_path / "apt" / "sources.list").write_text(main)
    return tmp_path / "apt"


def os_release(tmp_path: Path, codename: str, distribution: str = "debian") -> Path:
    path = tmp_path / "os-release"
    path.write_text(f'ID={distribution}\nID_LIKE=debian\nVERSION_CODENAME="{codename}"\n')
    return path


def test_deb822_sources_give_the_archive_and_the_security_archive(tmp_path, monkeypatch):
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    folder = apt_dir(tmp_path, {"debian.sources": DEB822, "notes.txt": "deb http://x y main"})
    mirror = debian_mirror(folder, os_release(tmp_path, "bookworm"))
    assert mirror == Mirror(
        "http://mirror.example/debian", "https://security.mirror.example/debian-security"
    )
    assert mirror.sources_list("trixie") == (
        "deb http://mirror.example/debian trixie main\n"
        "deb http://mirror.example/debian trixie-updates main\n"
        "deb https://security.mirror.example/debian-security trixie-security main\n"
    )
    assert mirror.pool_url("main/d/x/x.deb") == "http://mirror.example/debian/pool/main/d/x/x.deb"


def test_one_line_sources_skip_options_comments_and_other_vendors(tmp_path, monkeypatch):
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    folder = apt_dir(tmp_path, {"vendor.list": "deb http://v.example/x stable-x main\n"}, ONE_LINE)
    assert [entry.uri for entry in read_entries(folder)] == [
        "https://cloud.vendor.example/apt",
        "http://ftp.example/debian",
        "http://ftp.example/debian-security",
        "http://v.example/x",
    ]
    mirror = debian_mirror(folder, os_release(tmp_path, "trixie"))
    assert mirror == Mirror("http://ftp.example/debian", "http://ftp.example/debian-security")


def test_the_environment_names_another_mirror(tmp_path, monkeypatch):
    monkeypatch.setenv(MIRROR_ENV, "http://local.example/debian/")
    folder = apt_dir(tmp_path, {"debian.sources": DEB822})
    mirror = debian_mirror(folder, os_release(tmp_path, "bookworm"))
    assert mirror.archive == "http://local.example/debian"


@pytest.mark.bad_input
def test_a_machine_without_a_debian_archive_is_told_what_to_set(tmp_path, monkeypatch, bad_input):
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    ubuntu = "deb http://archive.example/ubuntu jammy main restricted\n"
    folder = apt_dir(tmp_path, {"vendor.list": ubuntu})
    with pytest.raises(LabError) as refused:
        debian_mirror(folder, os_release(tmp_path, "jammy", "ubuntu"))
    message = str(refused.value)
    assert f"set {MIRROR_ENV}" in message and "\n" not in message
    bad_input("apt sources without a Debian archive")


def test_this_machines_sources_name_a_debian_mirror(monkeypatch):
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    mirror = debian_mirror()
    assert mirror.archive.startswith(("http://", "https://"))
