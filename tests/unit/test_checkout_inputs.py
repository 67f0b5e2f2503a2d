"""This checkout's inputs against a model's recorded ones: each difference named (no engine).

The hashes are compared with `sha256sum`'s, computed here independently of training.inputs.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from training.inputs import code_digest, code_files, corpus_hashes
from tui.lab.checkout import checkout_inputs, corpus_differences, input_differences
from tui.paths import LabPaths

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def checkout(tmp_path: Path) -> LabPaths:
    shutil.copy(PROJECT / "Dockerfile", tmp_path / "Dockerfile")
    shutil.copytree(
        PROJECT / "training", tmp_path / "training", ignore=shutil.ignore_patterns("__pycache__")
    )
    return LabPaths(tmp_path)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_code_is_what_the_image_copies_without_data_caches_or_locks(
    checkout: LabPaths,
) -> None:
    training = checkout.project / "training"
    (training / "__pycache__").mkdir(exist_ok=True)
    (training / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"cache")
    (training / "stray.pyc").write_bytes(b"cache")
    files = code_files(training)
    assert "train.py" in files and "install-debian-packages.sh" in files
    assert not [f for f in files if f.startswith("data/") or f.endswith(".pyc")]
    assert "requirements.lock" not in files and "debian-packages.lock" not in files
    listing = "".join(f"{_sha(training / name)}  {name}\n" for name in sorted(files))
    assert code_digest(training) == (hashlib.sha256(listing.encode()).hexdigest(), len(files))
    assert corpus_hashes(checkout.data) == {
        path.name: _sha(path) for path in checkout.data.glob("*.txt")
    }


def checkout_lock_sha(project: Path) -> str:
    return _sha(project / "training" / "requirements.lock")


def _recorded(checkout: LabPaths) -> dict[str, object]:
    inputs = checkout_inputs(checkout)
    return {"inputs": inputs, "image": {"base": {"name": "debian:bookworm-slim", "id": "sha:1"}}}


def test_an_unchanged_checkout_differs_in_nothing(checkout: LabPaths) -> None:
    base = ("debian:bookworm-slim", "sha:1")
    assert input_differences(_recorded(checkout), checkout_inputs(checkout), base) == []


def test_each_changed_input_is_named(checkout: LabPaths) -> None:
    recorded = _recorded(checkout)
    with (checkout.data / "tennis.txt").open("a") as handle:
        handle.write("A new line about a second serve.\n")
    (checkout.data / "cricket.txt").unlink()
    shutil.copy(checkout.data / "soccer.txt", checkout.data / "rugby.txt")
    (checkout.project / "training" / "requirements.lock").write_text("changed\n")
    (checkout.project / "training" / "pipeline.py").write_text("# changed\n")
    found = input_differences(
        recorded, checkout_inputs(checkout), ("debian:bookworm-slim", "sha:2")
    )
    now = hashlib.sha256(b"changed\n").hexdigest()[:12]
    was = checkout_lock_sha(PROJECT)[:12]
    assert found[0] == f"training/requirements.lock differs (sha256 {now} here, {was} recorded)"
    assert found[1].startswith("the training code differs (")
    assert found[2] == "corpus file cricket.txt is missing here"
    assert found[3] == "corpus file rugby.txt is new here"
    assert found[4].startswith("corpus file tennis.txt differs (sha256 ")
    assert found[5] == "the base image debian:bookworm-slim is sha:2 here, sha:1 recorded"
    assert len(found) == 6


def test_corpus_differences_are_in_name_order() -> None:
    here = {"a.txt": "1" * 64, "b.txt": "2" * 64}
    recorded = {"b.txt": "3" * 64, "c.txt": "4" * 64}
    assert corpus_differences(here, recorded) == [
        "corpus file a.txt is new here",
        "corpus file b.txt differs (sha256 222222222222 here, 333333333333 recorded)",
        "corpus file c.txt is missing here",
    ]
