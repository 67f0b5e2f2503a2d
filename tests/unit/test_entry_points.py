"""`python -m tui` is the `container-lab` command (the console script of pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*argv, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_python_dash_m_tui_runs_the_same_command_as_the_console_script() -> None:
    as_module = _run(sys.executable, "-m", "tui")
    as_script = _run(str(Path(sys.executable).parent / "container-lab"))
    assert as_module.returncode == 0, as_module.stderr
    assert as_module.stdout.startswith("usage: container-lab"), as_module.stdout
    assert as_module.stdout == as_script.stdout
