"""The import contracts: Textual and docker stay where they belong, layers run down, no cycles."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
DOCKER_CONTRACT = "Only tui.engine imports docker"
CYCLE_CONTRACT = "No import cycles between sibling modules"
FEATURES_CONTRACT = "View features talk through messages and the app, not through each other"


def _lint_imports(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=folder, capture_output=True, text=True, check=False
    )


def _contract(name: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return next(contract for contract in contracts if contract["name"] == name)


def test_import_linter_contracts_are_kept() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_training_imports_nothing_of_the_dashboard() -> None:
    for source in (ROOT / "training").glob("*.py"):
        text = source.read_text()
        assert "import tui" not in text and "from tui" not in text, source.name


def test_every_part_of_tui_but_the_engine_is_kept_from_docker() -> None:
    """A new package or module of tui joins the docker contract, or this fails."""
    parts = {
        f"tui.{path.stem}"
        for path in (ROOT / "tui").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    }
    assert set(_contract(DOCKER_CONTRACT)["source_modules"]) == parts - {"tui.engine"}


def test_the_contracts_catch_a_docker_import_a_cycle_and_a_feature_importing_another(
    tmp_path: Path,
) -> None:
    """The control: a copy of the code with one docker import, one lazy cycle and one view
    feature importing another (the logs view, the inspect document) breaks all three."""
    for package in ("tui", "training"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    verify = tmp_path / "tui" / "lab" / "verify.py"
    verify.write_text(verify.read_text() + "\nimport docker.errors\n")
    compose_run = tmp_path / "tui" / "lab" / "compose_run.py"  # tui.lab.train_cli imports it
    compose_run.write_text(
        compose_run.read_text() + "\n\ndef _run():\n    import tui.lab.train_cli\n"
    )
    log_view = tmp_path / "tui" / "views" / "logs" / "view.py"
    log_view.write_text(log_view.read_text() + "\nimport tui.views.inspect.document\n")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{DOCKER_CONTRACT} BROKEN" in result.stdout
    assert f"{CYCLE_CONTRACT} BROKEN" in result.stdout
    assert f"{FEATURES_CONTRACT} BROKEN" in result.stdout
    assert "Contracts: 3 kept, 3 broken." in result.stdout
    assert "tui.views.logs is not allowed to import tui.views.inspect" in result.stdout
    assert "tui.lab.verify -> docker" in result.stdout
    assert (
        "- .compose_run -> .train_cli" in result.stdout
        or "- .train_cli -> .compose_run" in result.stdout
    )
