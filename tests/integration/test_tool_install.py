"""`uv tool install .`: the installed console script finds its lab from anywhere.

A copy of the checkout's tracked files is installed with uv into a temporary tool folder, and
its `container-lab keys init` runs from another folder: the keys land in the copy's .lab/ (the
checkout it was installed from, recorded by uv as PEP 610's direct_url.json), not in the
current folder. Tests reach no package registry, so uv installs offline and the dependencies
are overridden away (`keys init` needs none of them; the pristine-Debian lane installs the
tool with its dependencies for real).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPENDENCIES = ("docker", "psutil", "textual", "textual-serve", "watchdog")


def copy_checkout(target: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    archive = subprocess.run(
        ["tar", "--null", "-T", "-", "-c"], input=files.stdout, cwd=ROOT, capture_output=True
    )
    target.mkdir()
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def test_the_installed_script_keeps_its_keys_in_the_checkout_it_came_from(tmp_path) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not on PATH: ./lab puts its own there")
    lab = copy_checkout(tmp_path / "lab")
    overrides = tmp_path / "overrides.txt"
    overrides.write_text("".join(f"{name}; sys_platform == 'never'\n" for name in DEPENDENCIES))
    env = {
        **{
            k: v for k, v in os.environ.items() if k not in ("CONTAINER_LAB_PROJECT", "VIRTUAL_ENV")
        },
        "UV_TOOL_DIR": str(tmp_path / "tools"),
        "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
    }
    installed = subprocess.run(
        [uv, "tool", "install", "--offline", "--overrides", str(overrides), str(lab)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    made = subprocess.run(
        [str(tmp_path / "bin" / "container-lab"), "keys", "init"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert f"{lab}/.lab/keys/signing-key.asc" in made.stdout
    assert (lab / ".lab" / "keys" / "signing-key.asc").is_file()
    assert list(elsewhere.iterdir()) == []
