"""The import contract: Docker, filesystem and QEMU code never imports Textual; layers run down."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_training_imports_nothing_of_the_dashboard() -> None:
    for source in (ROOT / "training").glob("*.py"):
        text = source.read_text()
        assert "import tui" not in text and "from tui" not in text, source.name
