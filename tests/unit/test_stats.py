"""The stats formulas against figures computed by hand, as docker/cli stats_helpers.go does.

stats_cgroup_v1.json is a raw sample captured from this machine's engine (docker-py,
stream=False); stats_cgroup_v2_handmade.json is made by hand because the engine runs cgroup v1.
"""

import json
from pathlib import Path

import pytest

from tui.engine.stats.api import (
    StatsSample,
    block_io,
    cpu_percent,
    memory_percent,
    memory_usage,
    network_io,
)
from tui.views.formats import block_text, bytes_size, cpu_text, human_size, memory_text, net_text

FIXTURES = Path(__file__).parent.parent / "fixtures"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_cpu_percent_v1_by_hand():
    raw = load("stats_cgroup_v1.json")
    # Δcontainer = 4019105632 - 3013276236 = 1005829396; Δsystem = 2697030000000 - 2695020000000
    # = 2010000000; 2 online CPUs: 1005829396 / 2010000000 * 2 * 100 = 100.0825...
    assert cpu_percent(raw) == pytest.approx(1005829396 / 2010000000 * 2 * 100)
    assert cpu_text(StatsSample.from_raw("x", raw)) == "100.08%"


def test_memory_v1_subtracts_total_inactive_file():
    raw = load("stats_cgroup_v1.json")
    # usage 2977792 - total_inactive_file 1122304 = 1855488 bytes = 1.7695 MiB; limit 256 MiB
    assert memory_usage(raw) == 1855488
    assert memory_percent(raw) == pytest.approx(0.69122314453125)
    sample = StatsSample.from_raw("x", raw)
    assert memory_text(sample) == "1.77MiB / 256MiB"


def test_network_and_block_v1():
    raw = load("stats_cgroup_v1.json")
    assert network_io(raw) == (1042, 0)
    assert block_io(raw) == (0, 0)
    sample = StatsSample.from_raw("x", raw)
    assert net_text(sample) == "1.04kB / 0B"
    assert block_text(sample) == "0B / 0B"
    assert sample.pids == 1


def test_v2_sample_by_hand():
    raw = load("stats_cgroup_v2_handmade.json")
    # Δcontainer 200000000 / Δsystem 4000000000 * 4 CPUs * 100 = 20 %
    assert cpu_percent(raw) == pytest.approx(20.0)
    # 104857600 - inactive_file 20971520 = 83886080 = 80 MiB of 512 MiB = 15.625 %
    assert memory_usage(raw) == 83886080
    assert memory_percent(raw) == pytest.approx(15.625)
    # summed over eth0 and eth1; read = 4096000 + 904000, write = 1000 + 0
    assert network_io(raw) == (2000000, 3000)
    assert block_io(raw) == (5000000, 1000)
    sample = StatsSample.from_raw("x", raw)
    assert (cpu_text(sample), memory_text(sample)) == ("20.00%", "80MiB / 512MiB")
    assert (net_text(sample), block_text(sample)) == ("2MB / 3kB", "5MB / 1kB")


def test_cpu_falls_back_to_percpu_count_and_ignores_negative_deltas():
    raw = {
        "cpu_stats": {
            "cpu_usage": {"total_usage": 300, "percpu_usage": [1, 2, 3]},
            "system_cpu_usage": 1000,
        },
        "precpu_stats": {"cpu_usage": {"total_usage": 200}, "system_cpu_usage": 500},
    }
    assert cpu_percent(raw) == pytest.approx(100 / 500 * 3 * 100)
    raw["precpu_stats"]["system_cpu_usage"] = 2000
    assert cpu_percent(raw) == 0.0
    assert cpu_percent({}) == 0.0


def test_memory_without_cache_stats_is_usage():
    assert memory_usage({"memory_stats": {"usage": 10, "stats": {}}}) == 10
    # total_inactive_file larger than usage is ignored, as the CLI does
    raw = {"memory_stats": {"usage": 10, "stats": {"total_inactive_file": 20}}}
    assert memory_usage(raw) == 10
    assert memory_percent({"memory_stats": {"usage": 10}}) == 0.0


@pytest.mark.parametrize(
    ("size", "binary", "decimal"),
    [
        (0, "0B", "0B"),
        (999, "999B", "999B"),
        (1024, "1KiB", "1.02kB"),
        (1536, "1.5KiB", "1.54kB"),
        (268435456, "256MiB", "268MB"),
        (1999999, "1.907MiB", "2MB"),
    ],
)
def test_go_units_formats(size, binary, decimal):
    assert bytes_size(size) == binary
    assert human_size(size) == decimal
