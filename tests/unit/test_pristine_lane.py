"""The pristine-Debian lane's plan and cache (CI runs the lane: python -m tests.pristine)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from tests.pristine.lane import NEWCOMER, ROOT, STEPS, SUITES, checkout_archive
from tests.pristine.rootfs import stale, tarball


def test_both_debian_releases_with_and_without_pip() -> None:
    assert {(suite.name, suite.python) for suite in SUITES} == {
        ("bookworm", ("python3", "python3-pip")),
        ("trixie", ("python3",)),
    }


def test_readmes_first_commands_run_as_root_and_as_a_user_with_sudo() -> None:
    for who in (NEWCOMER, ROOT):
        commands = [step.command for step in STEPS if step.who == who]
        assert commands[:1] == ["./lab config path"]
        assert "./lab keys init" in commands and "./lab engine up" in commands
    assert [step for step in STEPS if step.fails] == [STEPS[-1]]  # the one expected stop


def test_root_filesystems_are_cached_per_suite_and_day(tmp_path: Path) -> None:
    for name in ("bookworm-2025-01-01.tar", "bookworm-2025-01-02.tar", "trixie-2025-01-01.tar"):
        (tmp_path / name).write_text("")
    assert tarball("bookworm", "2025-01-02", tmp_path) == tmp_path / "bookworm-2025-01-02.tar"
    assert stale("bookworm", "2025-01-02", tmp_path) == [tmp_path / "bookworm-2025-01-01.tar"]


def test_the_lane_copies_what_a_fresh_clone_has() -> None:
    with tarfile.open(fileobj=io.BytesIO(checkout_archive(None))) as archive:
        names = set(archive.getnames())
    assert {"lab", "tui/host/bootstrap.py", "uv.lock"} <= names
    assert not any(name.startswith((".venv/", ".lab/", ".git/")) for name in names)
