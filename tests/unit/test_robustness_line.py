"""The session's closing robustness line counts distinct named classes; fuzzing is apart."""

from __future__ import annotations

import pytest

from tests.conftest import fuzz_counts, robustness_counts


def _report(
    nodeid: str,
    properties: list[tuple[str, object]],
    *,
    outcome: str = "passed",
    when: str = "call",
    markers: tuple[str, ...] = (),
) -> pytest.TestReport:
    return pytest.TestReport(
        nodeid,
        ("f.py", 0, nodeid),
        dict.fromkeys(markers, 1),
        outcome,  # type: ignore[arg-type]
        None,
        when,  # type: ignore[arg-type]
        user_properties=properties,
    )


def test_a_class_recorded_by_many_tests_counts_once() -> None:
    reports = [
        _report("t.py::a[1]", [("bad_input", "empty file"), ("bad_input", "text file")]),
        _report("t.py::a[2]", [("bad_input", "empty file")]),
        _report("t.py::b", [("bad_input", "empty file"), ("fault", "engine restarted")]),
        _report("t.py::c", [("fault", "engine restarted")]),
    ]
    assert robustness_counts(reports) == {"bad_input": (2, 3), "fault": (1, 2)}


def test_a_marked_test_recording_nothing_is_one_class_whatever_its_parameters() -> None:
    reports = [
        _report("t.py::d[x]", [], markers=("bad_input",)),
        _report("t.py::d[y]", [], markers=("bad_input",)),
        _report("t.py::e", [], markers=("bad_input", "fault")),
    ]
    assert robustness_counts(reports) == {"bad_input": (2, 3), "fault": (1, 1)}


def test_only_passed_calls_count() -> None:
    reports = [
        _report("t.py::f", [("bad_input", "x")], outcome="failed"),
        _report("t.py::g", [("bad_input", "y")], when="setup"),
        _report("t.py::h", [("bad_input", "z")], outcome="skipped"),
    ]
    assert robustness_counts(reports) == {"bad_input": (0, 0), "fault": (0, 0)}
    assert fuzz_counts([_report("t.py::i", [("fuzz", ("c", {"tar": 1}))], outcome="failed")]) == {}


def test_fuzzing_is_summed_per_campaign_and_check_and_not_counted_as_classes() -> None:
    reports = [
        _report("t.py::j", [("fuzz", ("archive", {"manifest": 990, "tar header": 10}))]),
        _report(
            "t.py::k", [("fuzz", ("archive", {"manifest": 5})), ("fuzz", ("gzip", {"gzip": 3}))]
        ),
    ]
    assert fuzz_counts(reports) == {
        "archive": {"manifest": 995, "tar header": 10},
        "gzip": {"gzip": 3},
    }
    assert robustness_counts(reports) == {"bad_input": (0, 0), "fault": (0, 0)}
