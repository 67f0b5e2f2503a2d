"""The run history: files with explicit modes, read back, listed, and two runs compared."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tui.errors import LabError
from tui.lab.run_report import (
    compare,
    compare_text,
    flatten,
    history_rows,
    history_text,
    provenance_differences,
    resolve,
)
from tui.lab.runs import RunRecord, load_records, reproduction_of, runs_dir, write_record
from tui.paths import LabPaths

DIGEST = "fc95507e" + "0" * 56


def record(run_id: str, started: str, **changes: object) -> RunRecord:
    values: dict[str, object] = {
        "run_id": run_id,
        "started_at": f"2026-12-06T{started}+00:00",
        "seconds": 20.456,
        "engine": "docker 20.10.24+dfsg1",
        "runtime": "runc",
        "status": "ok",
        "exit_code": 0,
        "model": f"sports-classifier-{run_id}.tar.gz",
        "metrics": {"accuracy": 0.7459, "macro_f1": 0.7506},
        "digest": DIGEST,
        "provenance": {
            "run_id": run_id,
            "environment": {"runtime": "runc", "kernel": {"inside": "6.1"}},
            "inputs": {"corpus": {"tennis.txt": "a" * 64}},
            "training": {"threads": {"pools": [{"num_threads": 1}]}},
        },
    }
    values.update(changes)
    return RunRecord(**values)  # type: ignore[arg-type]


@pytest.fixture()
def lab(tmp_path: Path) -> LabPaths:
    (tmp_path / "models").mkdir()
    return LabPaths(tmp_path)


@pytest.fixture()
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    yield
    os.umask(old)


def test_records_are_written_with_explicit_modes_whatever_the_umask(
    lab: LabPaths, open_umask: None
) -> None:
    path = write_record(lab, record("r1", "19:52:02.5"))
    assert stat.S_IMODE(runs_dir(lab).stat().st_mode) == 0o755
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.name == "20261206T195202Z-r1.json"
    records, problems = load_records(lab)
    assert records == [record("r1", "19:52:02.5")] and problems == []


@pytest.mark.bad_input
def test_a_planted_link_is_not_written_through_and_a_bad_file_is_skipped_by_name(
    lab: LabPaths, tmp_path: Path, bad_input: Callable[[str], None]
) -> None:
    write_record(lab, record("r1", "19:52:02"))
    victim = tmp_path / "victim"
    victim.write_text("mine\n")
    (runs_dir(lab) / "20261206T200000Z-r2.json").symlink_to(victim)
    with pytest.raises(FileExistsError):
        write_record(lab, record("r2", "20:00:00"))
    assert victim.read_text() == "mine\n"
    bad_input("run record path planted as a link")
    (runs_dir(lab) / "broken.json").write_text("{not json")
    (runs_dir(lab) / "list.json").write_text("[1, 2]")
    records, problems = load_records(lab)
    assert [r.run_id for r in records] == ["r1"]
    assert sorted(p.split(" ")[0] for p in problems) == [
        "20261206T200000Z-r2.json",
        "broken.json",
        "list.json",
    ]
    assert all(" skipped: " in p and "\n" not in p for p in problems)
    bad_input("run record that is not JSON")


def test_rows_say_where_how_long_and_whether_a_model_was_reproduced() -> None:
    first = record("r1", "19:52:02")
    runsc = record("r2", "19:52:50", runtime="runsc", seconds=36.9)
    again = record("r3", "20:03:45", reproduces=first.model, expected_digest=DIGEST)
    failed = record(
        "r4",
        "20:10:00",
        status="failed",
        exit_code=3,
        model="",
        digest="",
        metrics={},
        reproduces=runsc.model,
        expected_digest=DIGEST,
    )
    records = [first, runsc, again, failed]
    assert reproduction_of(first.model, records) is True
    assert reproduction_of(runsc.model, records) is False
    assert reproduction_of(again.model, records) is None
    rows = history_rows(records)
    assert [r["reproduced"] for r in rows] == ["yes", "no", "repro ok", "repro differs"]
    assert rows[1] | {} == {
        "run_id": "r2",
        "number": "2",
        "when": "2026-12-06 19:52:50",
        "took": "37 s",
        "where": "docker/runsc",
        "accuracy": "0.7459",
        "macro_f1": "0.7506",
        "digest": "fc95507e0000",
        "reproduced": "no",
        "model": "sports-classifier-r2.tar.gz",
    }
    assert rows[3]["model"] == "no model (failed)" and rows[3]["digest"] == "-"
    text = history_text(records).splitlines()
    assert text[0].split() == [
        "#",
        "Started",
        "(UTC)",
        "Digest",
        "Reproduced",
        "Accuracy",
        "Macro-F1",
        "Took",
        "Engine/runtime",
        "Model",
    ]
    assert len(text) == 5


def test_two_runs_side_by_side_mark_what_differs() -> None:
    runc = record("r1", "19:52:02")
    runsc = record(
        "r2",
        "19:52:50",
        runtime="runsc",
        provenance={
            **(runc.provenance or {}),
            "run_id": "r2",
            "environment": {"runtime": "runsc", "kernel": {"inside": "4.4.0"}},
        },
    )
    rows = {row.field: row for row in compare(runc, runsc)}
    assert rows["digest"].a == rows["digest"].b == DIGEST and not rows["digest"].differs
    assert rows["environment.kernel.inside"].differs
    assert (rows["environment.kernel.inside"].a, rows["environment.kernel.inside"].b) == (
        "6.1",
        "4.4.0",
    )
    assert rows["training.threads.pools[0].num_threads"].a == "1"
    assert rows["inputs.corpus.tennis.txt"].a == "a" * 64
    assert "run_id" not in rows, "the run id is listed once"
    assert provenance_differences(runc.provenance or {}, runsc.provenance or {}) == [
        "environment.kernel.inside",
        "environment.runtime",
    ]
    text = compare_text(runc, runsc, only_differences=True)
    assert text.endswith("3 fields differ besides the run's own id, times and model file")
    assert all(line.startswith("≠") for line in text.splitlines()[1:-1])


@pytest.mark.bad_input
def test_a_run_is_named_by_number_id_or_model_else_one_line(
    bad_input: Callable[[str], None],
) -> None:
    records = [record("abc1", "19:00:00"), record("abd2", "19:01:00")]
    assert resolve(records, "2").run_id == "abd2"
    assert resolve(records, "abc").run_id == "abc1"
    assert resolve(records, "sports-classifier-abd2.tar.gz").run_id == "abd2"
    for ref in ("ab", "3", "nothing"):
        with pytest.raises(LabError) as refused:
            resolve(records, ref)
        assert "\n" not in str(refused.value) and "container-lab runs" in str(refused.value)
        bad_input(f"runs --compare {ref}")


def test_flatten_names_nested_fields() -> None:
    assert flatten({"a": {"b": 1, "c": [1, 2]}, "d": [{"e": None}], "f": {}}) == {
        "a.b": "1",
        "a.c": "[1, 2]",
        "d[0].e": "null",
        "f": "{}",
    }
