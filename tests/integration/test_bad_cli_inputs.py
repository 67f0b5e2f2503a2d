"""Bad input to the `container-lab` command itself: one clear line, exit 2, nothing lost.

Issue 21 item 10: each of these gave a Python traceback (or opened the dashboard). The real CLI
runs as a process of its own in a lab copy, and afterwards the lab's files, the preferences file
and the models are as they were.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.lab_fixtures import PROJECT, TEST_IMAGE_TAG, copy_lab
from tui.paths import LabPaths

pytestmark = pytest.mark.bad_input
LONG_NAME = "a" * 300  # past NAME_MAX (255)
LONG_PATH = "/" + "a/" * 2100  # past PATH_MAX (4096)


@dataclass(frozen=True)
class Case:
    """A command line, what to do to the lab before it, and a fragment of the line it must give."""

    argv: tuple[str, ...]
    fragment: str
    breaks: Callable[[LabPaths, Path], None] = lambda lab, config: None


def _env_not_utf8(lab: LabPaths, config: Path) -> None:
    lab.env_file.write_bytes(b"USER_ID=\xff\xfe\nGROUP_ID=1\n")


def _env_a_folder(lab: LabPaths, config: Path) -> None:
    lab.env_file.unlink()
    lab.env_file.mkdir()


def _lab_a_file(lab: LabPaths, config: Path) -> None:
    shutil.rmtree(lab.lab)
    lab.lab.write_text("not a folder\n")


def _lab_a_link(lab: LabPaths, config: Path) -> None:
    elsewhere = lab.project / "elsewhere"
    lab.lab.rename(elsewhere)
    lab.lab.symlink_to(elsewhere)


def _key_map_a_list(lab: LabPaths, config: Path) -> None:
    (lab.trusted_keys / "keyname-to-fingerprint.json").write_text('["container-lab.pub.asc"]\n')


def _key_map_names_a_list(lab: LabPaths, config: Path) -> None:
    (lab.trusted_keys / "keyname-to-fingerprint.json").write_text(
        '{"container-lab.pub.asc": ["AB"]}\n'
    )


def _nested_config(lab: LabPaths, config: Path) -> None:
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")


def _nested_inline_config(lab: LabPaths, config: Path) -> None:
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("x = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n")


def _keys_as_list_config(lab: LabPaths, config: Path) -> None:
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('keys = ["s", "x"]\n')


CASES: dict[str, Case] = {
    "verify: a file name past NAME_MAX": Case(("verify", LONG_NAME), "too long"),
    "verify: a path past PATH_MAX": Case(("verify", LONG_PATH), "too long"),
    "verify --timeout inf": Case(("verify", "x.tar.gz", "--timeout", "inf"), "--timeout"),
    "verify --timeout 1e300": Case(("verify", "x.tar.gz", "--timeout", "1e300"), "--timeout"),
    "verify --timeout nan": Case(("verify", "x.tar.gz", "--timeout", "nan"), "--timeout"),
    "baseline measure --timeout inf": Case(
        ("baseline", "measure", "--image", "nope:none", "--timeout", "inf"), "--timeout"
    ),
    "baseline measure --timeout nan": Case(
        ("baseline", "measure", "--image", "nope:none", "--timeout", "nan"), "--timeout"
    ),
    "train: .env not UTF-8": Case(("train",), "not UTF-8", _env_not_utf8),
    "verify: .env not UTF-8": Case(("verify", "Dockerfile"), "not UTF-8", _env_not_utf8),
    "keys init --force: .env not UTF-8": Case(
        ("keys", "init", "--force"), "not UTF-8", _env_not_utf8
    ),
    "train: .env a folder": Case(("train",), "is a folder", _env_a_folder),
    "keys init: .lab a file": Case(("keys", "init"), "not a folder", _lab_a_file),
    "train: .lab a file": Case(("train",), "not a folder", _lab_a_file),
    "verify: .lab a file": Case(("verify", "Dockerfile"), "not a folder", _lab_a_file),
    "keys init --force: .lab a link": Case(("keys", "init", "--force"), "is a link", _lab_a_link),
    "train: key map a JSON list": Case(("train",), "is malformed", _key_map_a_list),
    "verify: key map a JSON list": Case(("verify", "Dockerfile"), "is malformed", _key_map_a_list),
    "train: key map naming a list": Case(("train",), "is malformed", _key_map_names_a_list),
    "config check: nested arrays": Case(("config", "check"), "nested", _nested_config),
    "config check: nested tables": Case(("config", "check"), "nested", _nested_inline_config),
    "config check: keys a list": Case(("config", "check"), "must be a table", _keys_as_list_config),
    "engine up --base-image ''": Case(
        ("engine", "up", "--no-install", "--base-image", ""), "image"
    ),
    "engine up --base-image UPPER:x": Case(
        ("engine", "up", "--no-install", "--base-image", "UPPER:x"), "image"
    ),
}


def _state(lab: LabPaths, config: Path) -> dict[str, str]:
    """Every file of the lab and the preferences, with its digest (links by their target)."""
    found = {}
    for root in (lab.project, config.parent):
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.is_symlink():
                found[str(path)] = f"-> {path.readlink()}"
            elif path.is_file():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _run(
    lab: LabPaths, home: Path, *argv: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": str(Path.home()),
        "CONTAINER_LAB_PROJECT": str(lab.project),
        "XDG_CONFIG_HOME": str(home),
        "LAB_IMAGE": TEST_IMAGE_TAG,  # never the lab's own tag, whatever a case reaches
    }
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *argv],
        cwd=lab.project,
        # PYTHONSAFEPATH: `-m` would put the lab copy (cwd) first on sys.path, and its
        # training/ package would be imported (and compiled into it) instead of the project's.
        env={**env, "PYTHONPATH": str(PROJECT), "PYTHONSAFEPATH": "1"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def keyed_lab(tmp_path_factory: pytest.TempPathFactory) -> LabPaths:
    """One lab with its keys, copied for each case (a key takes gpg seconds to make)."""
    return copy_lab(tmp_path_factory.mktemp("keyed") / "lab")


def _lab_copy(keyed_lab: LabPaths, folder: Path) -> LabPaths:
    shutil.copytree(keyed_lab.project, folder, symlinks=True)
    return LabPaths(folder)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gives_one_line_and_exit_2(
    keyed_lab: LabPaths, tmp_path: Path, bad_input: Callable[[str], None], name: str
) -> None:
    case = CASES[name]
    lab = _lab_copy(keyed_lab, tmp_path / "lab")
    home = tmp_path / "config"
    config = home / "container-lab" / "config.toml"
    case.breaks(lab, config)
    before = _state(lab, config)
    result = _run(lab, home, *case.argv)
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("container-lab: "), result.stderr
    assert case.fragment in lines[0], lines[0]
    assert _state(lab, config) == before, "the bad input changed the lab's files"
    bad_input(f"cli: {name}")


@pytest.mark.parametrize("command", ["keys", "engine", "baseline"])
def test_a_command_without_its_action_prints_its_usage(
    keyed_lab: LabPaths, tmp_path: Path, bad_input: Callable[[str], None], command: str
) -> None:
    """It used to open the dashboard instead (here: waiting for a terminal until the timeout)."""
    lab = _lab_copy(keyed_lab, tmp_path / "lab")
    result = _run(lab, tmp_path / "config", command, timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"usage: container-lab {command} "), result.stderr
    assert f"container-lab {command}: error: say which action" in result.stderr
    assert "Traceback" not in result.stderr and not result.stdout
    bad_input(f"cli: `{command}` with no action")
