"""bench.check names the figures a fresh run made worse by more than 20 %, and only those."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bench import check
from bench.machine import RESULTS

COMMITTED = {
    "machine": {"cores": 2, "memory_gib": 23.5},
    "runs": [
        {
            "seconds": 30,
            "containers": 100,
            "app_api": {
                "collector_cpu_percent_of_one_core": 4.0,
                "rss_mib": {"max": 60.0},
                "key_press_wait_ms": {"median": 2.0, "presses": 20},
            },
        }
    ],
    "read": {"ours_lines_per_second": 100_000},
    "score_percent": 80.0,
}


def _fresh(**changes: float) -> dict[str, object]:
    fresh = json.loads(json.dumps(COMMITTED))
    app = fresh["runs"][0]["app_api"]
    app["collector_cpu_percent_of_one_core"] = changes.get("cpu", 4.0)
    app["rss_mib"]["max"] = changes.get("rss", 60.0)
    app["key_press_wait_ms"]["presses"] = changes.get("presses", 20)
    fresh["read"]["ours_lines_per_second"] = changes.get("rate", 100_000)
    fresh["machine"]["memory_gib"] = changes.get("memory", 23.5)
    fresh["runs"][0]["seconds"] = changes.get("seconds", 30)
    return fresh


def test_costs_up_and_rates_down_by_more_than_a_fifth_are_named() -> None:
    worse, compared = check.compare("x", COMMITTED, _fresh(cpu=5.0, rss=75.0, rate=70_000))
    assert {item.figure for item in worse} == {
        "runs.[100].app_api.collector_cpu_percent_of_one_core",
        "runs.[100].app_api.rss_mib.max",
        "read.ours_lines_per_second",
    }
    assert compared == 5  # cpu, rss, key wait, rate, score


def test_changes_within_a_fifth_better_figures_and_context_are_not_named() -> None:
    fresh = _fresh(cpu=4.7, rss=30.0, rate=500_000, presses=2, memory=4.0, seconds=1)
    assert check.compare("x", COMMITTED, fresh)[0] == []


def test_the_committed_results_parse_and_compare_clean_with_themselves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in RESULTS.glob("*.json"):
        if not path.name.endswith(".smoke.json"):
            shutil.copy(path, tmp_path)
    assert check.main(["--fresh", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "stats_overhead:" in out and "0 worse" in out


def test_a_worse_fresh_file_fails_the_check_and_names_the_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    committed = json.loads((RESULTS / "startup.json").read_text())
    committed["dashboard_seconds"]["median"] *= 2
    (tmp_path / "startup.json").write_text(json.dumps(committed))
    assert check.main(["startup", "--fresh", str(tmp_path)]) == 1
    assert "worse: startup: dashboard_seconds.median" in capsys.readouterr().out


def test_an_unknown_benchmark_is_one_line_that_lists_the_known_ones(
    capsys: pytest.CaptureFixture[str], bad_input: Callable[[str], None]
) -> None:
    assert check.main(["no_such_bench", "--fresh", "."]) == 2
    out = capsys.readouterr().out.strip()
    assert out.startswith("no committed results for no_such_bench: pick from ") and "\n" not in out
    bad_input("bench --check of an unknown benchmark")


def test_runs_are_compared_by_what_they_measured_not_by_their_place() -> None:
    def run(terminal: str, cpu: float) -> dict[str, object]:
        return {"terminal": terminal, "load": "quiet", "app_api": {"total_cpu_percent": cpu}}

    committed = {"runs": [run("100x30", 10.0), run("200x50", 20.0)]}
    fresh = {"runs": [run("200x50", 21.0)]}  # only the tall terminal, a little worse
    worse, compared = check.compare("x", committed, fresh)
    assert (worse, compared) == ([], 1)
    fresh = {"runs": [run("200x50", 30.0)]}
    (item,) = check.compare("x", committed, fresh)[0]
    assert item.figure == "runs.[200x50 quiet].app_api.total_cpu_percent"
