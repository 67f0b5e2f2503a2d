"""The lesson as its runner publishes it (tui/baseline/broadcast.py): what a viewer reads back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.baseline.broadcast import (
    FAILED,
    MEASURED,
    NAME,
    RUNNING,
    STOPPED,
    LessonBroadcast,
    LessonState,
    from_body,
    lesson_state,
    to_body,
)
from tui.baseline.results import LessonResult, UnitResult, UnitSample, unavailable
from tui.paths import LabPaths
from tui.published import Publisher, document_path

MIB = 1024 * 1024


def result() -> LessonResult:
    def unit(kind: str, ready: float, memory: int, **kw: object) -> UnitResult:
        base: dict[str, object] = {
            "kind": kind, "available": True, "note": "", "ready_seconds": ready,
            "host_memory_bytes": memory, "guest_memory_bytes": None, "idle_cpu_percent": 0.5,
            "disk_bytes": 74 * MIB, "workload_seconds": 1.9, "kernel": "6.1.0",
            "emulated": False, "cost_bytes": memory,
        }  # fmt: skip
        return UnitResult(**{**base, **kw})  # type: ignore[arg-type]

    return LessonResult(
        "debian:bookworm-slim", "tcg", "labhost", "2026-01-02T10:00:00+00:00",
        {"qemu": "QEMU 7.2"}, 8 * 1024 * MIB,
        {"container": unit("container", 0.4, 13 * MIB),
         "gvisor": unavailable("gvisor", "no container-lab-runsc runtime"),
         "vm": unit("vm", 9.9, 460 * MIB, guest_memory_bytes=256 * MIB, emulated=True)},
        run_id="abc123",
    )  # fmt: skip


def test_what_the_runner_publishes_a_viewer_reads_back(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path)
    said: list[str] = []
    runner = LessonBroadcast(paths, said.append)
    assert runner.claim()
    runner.phase("vm", "booting")  # before a run starts: nothing to publish
    assert lesson_state(paths).state is None
    runner.started("abc123", "debian:bookworm-slim")
    runner.phase("vm", "booting", "QEMU TCG")
    runner.phase("container", "ready", "6.1.0, waiting for its turn")
    samples = [
        UnitSample("container", "ready", 0.0, 3 * MIB),
        UnitSample("vm", "booting", 99.5, None),
    ]
    runner.samples(samples)
    watched = lesson_state(paths)
    state = watched.state
    assert state is not None and watched.running and not watched.error
    assert (state.status, state.run_id, state.image) == (RUNNING, "abc123", "debian:bookworm-slim")
    assert state.phases == {"vm": ("booting", "QEMU TCG"),
                            "container": ("ready", "6.1.0, waiting for its turn")}  # fmt: skip
    assert list(state.samples) == samples and state.result is None
    runner.finished(result())
    state = lesson_state(paths).state
    assert state is not None and state.status == MEASURED and state.result == result()
    assert lesson_state(paths).running  # measured, the three idle until x: still under way
    runner.ended()
    state = lesson_state(paths).state
    assert state is not None and state.status == STOPPED and state.samples == ()
    assert state.result == result() and not lesson_state(paths).running
    assert not runner.publisher.claimed and said == []


def test_a_failed_run_says_why(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path)
    runner = LessonBroadcast(paths)
    runner.started("r1", "img")
    runner.ended("No local image img: pull or build it first.", stopped=False)
    state = lesson_state(paths).state
    assert state is not None and state.status == FAILED
    assert state.error == "No local image img: pull or build it first."


DIED = """
import sys
from pathlib import Path
from tui.baseline.broadcast import LessonBroadcast
from tui.paths import LabPaths
runner = LessonBroadcast(LabPaths(Path(sys.argv[1])))
assert runner.claim()
runner.started("r2", "debian:bookworm-slim")
runner.phase("vm", "booting", "QEMU TCG")
"""


@pytest.mark.fault
def test_a_runner_gone_mid_lesson_reads_as_ended(tmp_path: Path, fault) -> None:
    subprocess.run([sys.executable, "-c", DIED, str(tmp_path)], check=True)
    watched = lesson_state(LabPaths(tmp_path))
    assert watched.ended and not watched.running and watched.state is not None
    assert watched.state.phases["vm"] == ("booting", "QEMU TCG")
    assert LessonBroadcast(LabPaths(tmp_path)).claim()  # its claim went with it
    fault("the lesson's runner gone mid-lesson")


@pytest.mark.bad_input
def test_a_body_that_is_not_a_lesson_is_refused_in_one_line(tmp_path: Path, bad_input) -> None:
    paths = LabPaths(tmp_path)
    good = to_body(LessonState(MEASURED, "r", "img", "2026", result=result()))
    assert from_body(good).result == result()
    wrong_figure = json.loads(json.dumps(good))
    wrong_figure["result"]["units"]["vm"]["ready_seconds"] = "fast"  # the view would format it
    wrong_bool = json.loads(json.dumps(good))
    wrong_bool["result"]["units"]["vm"]["host_memory_bytes"] = True
    for name, body in [
        ("a figure that is text", wrong_figure),
        ("a figure that is true", wrong_bool),
        ("an unknown status", {**good, "status": "exploded"}),
        ("an unknown unit", {**good, "phases": {"teapot": ["ready", ""]}}),
        ("a phase that is a number", {**good, "phases": {"vm": [1, ""]}}),
        ("a sample of nothing", {**good, "samples": [{"kind": "vm"}]}),
        ("no run id", {k: v for k, v in good.items() if k != "run_id"}),
    ]:
        Publisher(paths, NAME).publish(body)
        watched = lesson_state(paths)
        assert watched.state is None and not watched.running, name
        assert watched.error.startswith(str(document_path(paths, NAME))), watched.error
        assert "is not a lesson" in watched.error and "\n" not in watched.error, watched.error
        bad_input(name)


def test_a_lab_whose_folder_cannot_be_written_says_so_once(tmp_path: Path) -> None:
    (tmp_path / ".lab").write_text("a file where the lab's folder goes")
    said: list[str] = []
    runner = LessonBroadcast(LabPaths(tmp_path), said.append)
    runner.started("r3", "img")
    runner.phase("vm", "booting")
    assert len(said) == 1 and said[0].startswith("the class cannot see this lesson: "), said
    assert "\n" not in said[0]
