"""Static checks over the project: mypy types and ruff lint and format."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_finds_no_type_errors() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_ruff_lints_and_formats_clean() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [str(ruff), *args], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout[-3000:]


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_bench_never_imports_the_tests() -> None:
    """bench/ stands on its own: a benchmark must run from a checkout without tests/."""
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "bench").rglob("*.py"))
        for name in _imported_modules(path)
        if name == "tests" or name.startswith("tests.")
    ]
    assert not offenders, offenders


def test_the_bench_import_check_does_see_a_tests_import(tmp_path: Path) -> None:
    """The control: the same parser finds both spellings of an import from tests/."""
    sample = tmp_path / "sample.py"
    sample.write_text("import tests.conftest\nfrom tests.integration import x\n")
    assert _imported_modules(sample) == ["tests.conftest", "tests.integration"]
