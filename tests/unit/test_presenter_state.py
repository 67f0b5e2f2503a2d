"""The presenter's document (tui/presenter.py) on real files and a real second process: one
presenter per lab, published only when its view changes, read back checked; its end told apart
from its death. Another uid's document: tests/tui/test_follow_presenter.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.paths import LabPaths
from tui.presenter import (
    NAME,
    Presented,
    Presenting,
    from_body,
    presenter_name,
    presenter_state,
    to_body,
)
from tui.published import document_path

PRESENTER = """
import sys, time
from pathlib import Path
from tui.paths import LabPaths
from tui.presenter import Presenting
presenting = Presenting(LabPaths(Path(sys.argv[1])))
assert presenting.claim() == ""
presenting.show("images", 0, "sha256:abc", "debian:bookworm-slim", "default")
print("presenting", flush=True)
time.sleep(600)
"""


def test_a_view_reads_back_as_it_was_published(tmp_path: Path) -> None:
    presenting = Presenting(LabPaths(tmp_path))
    assert presenting.claim() == ""
    assert presenting.show("training", 0, "run-7", "run-7", "default")
    state = presenter_state(LabPaths(tmp_path))
    assert state.live and not state.error, state
    assert state.shown == Presented(presenter_name(), "training", 0, "run-7", "run-7", "default")
    assert presenter_name().endswith("@" + __import__("socket").gethostname())


def test_the_view_is_written_only_when_it_changes(tmp_path: Path) -> None:
    presenting = Presenting(LabPaths(tmp_path))
    assert presenting.claim() == ""
    path = document_path(LabPaths(tmp_path), NAME)
    assert presenting.show("containers", 0, "abc")
    first = path.stat().st_ino
    assert not presenting.show("containers", 0, "abc")  # the same view: nothing written
    assert path.stat().st_ino == first
    assert presenting.show("containers", 0, "def")
    assert path.stat().st_ino != first  # a new file, renamed over the old one


def test_stopping_says_so_and_lets_another_present(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path)
    presenting = Presenting(paths)
    assert presenting.claim() == ""
    presenting.show("swarm", 1, "node-1")
    presenting.stop()
    state = presenter_state(paths)
    assert state.shown is not None and not state.shown.presenting and not state.left, state
    assert not state.live
    assert Presenting(paths).claim() == ""  # the claim was let go


def test_one_presenter_per_lab_and_a_killed_one_has_left(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path)
    other = subprocess.Popen(
        [sys.executable, "-c", PRESENTER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout is not None and other.stdout.readline() == "presenting\n"
        refusal = Presenting(paths).claim()
        assert refusal.startswith(f"{presenter_name()} presents in this lab already"), refusal
        assert "\n" not in refusal
        state = presenter_state(paths)
        assert state.live and state.shown is not None and state.shown.tab == "images"
    finally:
        other.kill()
        other.wait()
    state = presenter_state(paths)
    assert state.left and not state.live, state  # killed: it never said it stopped
    assert Presenting(paths).claim() == ""  # the kernel dropped its flock


BAD_BODIES: dict[str, dict[str, object]] = {
    "a tab that is a CSS query": {"tab": "containers, #x"},
    "no tab": {"tab": ""},
    "a row key longer than 200 characters": {"row": "x" * 201},
    "a table that is true": {"table": True},
    "a table out of range": {"table": 100},
    "presenting as text": {"presenting": "yes"},
    "who as a number": {"who": 7},
}


@pytest.mark.bad_input
@pytest.mark.parametrize("name", sorted(BAD_BODIES))
def test_a_malformed_view_is_refused_in_one_line(tmp_path: Path, name: str, bad_input) -> None:
    body = {**to_body(Presented("a@b", "containers", 0, "abc")), **BAD_BODIES[name]}
    with pytest.raises(ValueError):
        from_body(body)
    paths = LabPaths(tmp_path)
    presenting = Presenting(paths)
    assert presenting.claim() == ""
    presenting.publisher.publish(body)  # a writer of this lab, but not of a view
    state = presenter_state(paths)
    assert state.shown is None and "is not a presenter's view" in state.error, state
    assert "\n" not in state.error and "remove it" in state.error
    bad_input(name)


@pytest.mark.bad_input
def test_a_document_that_is_not_json_is_one_line(tmp_path: Path, bad_input) -> None:
    paths = LabPaths(tmp_path)
    presenting = Presenting(paths)
    assert presenting.claim() == ""
    presenting.show("containers")
    document_path(paths, NAME).write_text("{not json")
    state = presenter_state(paths)
    assert state.shown is None and "is not a document of this lab" in state.error, state
    assert "\n" not in state.error
    json.dumps(to_body(Presented("a@b", "images")))  # a good body is plain JSON
    bad_input("a presenter document that is not JSON")


@pytest.mark.bad_input
@pytest.mark.parametrize("other", ["--read-only", "--serve"])
def test_present_with_read_only_or_serve_is_one_line(other: str, capsys, bad_input) -> None:
    from tui.cli import main

    assert main(["--present", other]) == 2
    err = capsys.readouterr().err
    assert err == (
        "container-lab: --present needs a terminal dashboard that is not --read-only or --serve\n"
    )
    bad_input(f"--present with {other}")
