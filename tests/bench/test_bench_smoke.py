"""A short smoke run of every benchmark: it runs, writes its JSON, and the figures are sane.

The full runs (and their targets) live in bench/ and bench/results/, never in timed tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import docker
import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"

pytestmark = pytest.mark.slow


def run_smoke(name: str, *options: str, results: str = "") -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--smoke", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    path = RESULTS / f"{results or name}.smoke.json"
    data: dict[str, Any] = json.loads(path.read_text())
    assert data["smoke"] is True and data["machine"]["cores"] >= 1
    return data


def test_readiness_smoke() -> None:
    data = run_smoke("readiness")
    assert data["delays"]["events"]["max_ms"] < 1000
    assert data["delays"]["sleep_loop"]["median_ms"] > data["delays"]["events"]["median_ms"]


def test_stats_overhead_smoke(docker_client: docker.DockerClient) -> None:
    (RESULTS / "stats_engines.smoke.json").unlink(missing_ok=True)  # this run must write it
    data = run_smoke("stats_overhead")
    assert data["app_idle"]["app_cpu_percent_of_one_core"] >= 0
    run = data["runs"][0]
    for way in ("api_streams", "cgroup_collector", "app_api", "app_cgroup", "docker_stats_cli"):
        assert run[way]["collector_cpu_percent_of_one_core"] >= 0
        assert run[way]["engine_cpu_percent_of_one_core"] >= 0
    for way in ("api_streams", "cgroup_collector", "app_api", "app_cgroup"):
        assert 0 <= run[way]["age_of_newest_figure_s"]["max"] < 5, way
    for way in ("app_api", "app_cgroup"):
        assert run[way]["containers_followed"] == run["containers"], "every row got figures"
        assert run[way]["terminal_size"] == "100x30"
        assert run[way]["rows_on_screen"] == run["containers"], "3 rows fit on screen"
        assert run[way]["key_press_wait_ms"]["presses"] == 20, way
        assert run[way]["key_press_wait_ms"]["max"] < 10_000, "a key press was never answered"
    assert run["app_api"]["streamed_most"] >= run["containers"], "every row on screen streams"
    for way in ("app_api", "docker_stats_cli"):
        assert len(run[way]["total_cpu_percent_each_run"]) == 2, "the compared pair repeats"
    target = data["target"]
    assert target["engines"] == 1 and target["containers"] == 3
    assert target["ratio"] is None or target["ratio"] >= 0
    assert isinstance(target["met"], bool)
    # The same run watched three private engines, one container on each.
    several = json.loads((RESULTS / "stats_engines.smoke.json").read_text())
    run = several["runs"][0]
    assert run["engines"] == 3 and run["containers_per_engine"] == [1, 1, 1]
    app = run["app_api"]
    assert app["engines"] == 3, "the app watched every engine"
    assert app["containers_followed"] == 3, "rows of every engine got figures"
    assert 0 <= app["age_of_newest_figure_s"]["max"] < 5
    assert run["docker_stats_cli"]["collector_cpu_percent_of_one_core"] >= 0
    assert several["target"]["engines"] == 3


def test_stats_projector_smoke(docker_client: docker.DockerClient) -> None:
    # The tall terminal under load only (the other pairs are the same code with other values).
    data = run_smoke(
        "stats_overhead",
        "--projector",
        "--terminals=200x50",
        "--loads=loaded",
        results="stats_projector",
    )
    (run,) = data["runs"]
    assert run["terminal"] == "200x50" and run["load"] == "loaded"
    for way in ("app_api", "app_cgroup"):
        assert run[way]["terminal_size"] == "200x50", "the app ran in a terminal of that size"
        assert run[way]["containers_followed"] == run["containers"]
        assert 20 < run[way]["rss_mib"]["max"] < 1000, "the dashboard's own memory was measured"
    targets = run["targets"]
    assert isinstance(targets["api_met"], bool) and isinstance(targets["rss_met"], bool)
    assert data["machine_load_1m_5m_15m_at_end"][0] >= 0


def test_startup_smoke(docker_client: docker.DockerClient) -> None:
    data = run_smoke("startup")
    assert 0 < data["dashboard_seconds"]["median"] < 60
    assert data["made_for_the_run"] == {"containers": 10, "images": 5}
    assert data["containers"] >= 10 and data["images"] >= 5
    assert data["backend_calls_seconds_median"]["containers_inspected"] > 0
    inspected = data["dashboard_every_row_inspected_seconds"]["median"]
    assert data["dashboard_seconds"]["median"] <= inspected < 60
    assert 0 < data["textual_table_floor_seconds"]["median"] < 60
    process = data["new_process_seconds_median"]
    assert 0 < process["interpreter"] < process["imported"] < process["tables_complete"] < 120


def test_log_throughput_smoke(docker_client: docker.DockerClient) -> None:
    data = run_smoke("log_throughput")
    assert data["read"]["ours_lines_per_second"] > 1000
    assert data["read"]["ours_filtered_lines_per_second"] > 1000
    assert data["read"]["buffer_lines_kept"] <= 5000
    live = data["live"]
    assert live["view_lines_per_second"] > 0 and live["engine_logged_lines_per_second"] > 0
    assert live["key_press_wait_ms"]["presses"] >= 1


def test_log_open_smoke(docker_client: docker.DockerClient) -> None:
    data = run_smoke("log_open")
    assert data["lines"] == 50_000 and data["rows_on_screen"] > 10
    assert 0 < data["app_last_screen_seconds"]["median"] < 120
    assert data["docker_logs_tail_screen_seconds"]["median"] > 0
    assert data["older_page_seconds"] > 0


def test_image_builds_smoke(docker_client: docker.DockerClient) -> None:
    data = run_smoke("image_builds")
    ours = data["ours"]["code_only_rebuild"]
    assert ours["cached_steps"] >= 10
    assert data["naive"]["code_only_rebuild"]["cached_steps"] < ours["cached_steps"]


def test_mutation_smoke() -> None:
    """mutmut over the display formats alone: every mutant run, and the tests kill 80 %."""
    data = run_smoke("mutation")
    formats = data["modules"]["tui/views/formats.py"]
    assert formats["not_run"] == 0 and formats["total"] > 50
    assert formats["killed"] + formats["survived"] + formats["equivalent"] == formats["total"]
    assert formats["score_percent"] >= data["target_score_percent"] == 80.0, formats["survivors"]
