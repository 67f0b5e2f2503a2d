"""The stats formulas at their edges, each expected figure written out by hand (the docker CLI's
rules in stats_helpers.go): a sample made whole from a hand-made raw record, memory equal to the
cache, block I/O by operation name, interfaces summed."""

from __future__ import annotations

import pytest

from tui.engine.stats.api import StatsSample, block_io, cpu_percent, memory_usage, network_io

RAW = {
    "read": "2024-05-01T10:00:00.000000000Z",
    "cpu_stats": {
        "cpu_usage": {"total_usage": 3_000_000_000, "percpu_usage": [1, 2, 3]},
        "system_cpu_usage": 20_000_000_000,
        "online_cpus": 4,
    },
    "precpu_stats": {
        "cpu_usage": {"total_usage": 2_000_000_000},
        "system_cpu_usage": 10_000_000_000,
    },
    "memory_stats": {"usage": 300, "limit": 1000, "stats": {"total_inactive_file": 100}},
    "networks": {"eth0": {"rx_bytes": 10, "tx_bytes": 1}, "eth1": {"rx_bytes": 20, "tx_bytes": 2}},
    "blkio_stats": {
        "io_service_bytes_recursive": [
            {"op": "Read", "value": 5},
            {"op": "write", "value": 7},
            {"op": "Sync", "value": 11},
            {"op": "READ", "value": 13},
            {"op": "Total", "value": 36},
        ]
    },
    "pids_stats": {"current": 9},
}


def test_a_sample_from_a_raw_record_carries_every_figure():
    assert StatsSample.from_raw("c1", RAW) == StatsSample(
        container_id="c1",
        cpu_percent=40.0,  # 1e9 / 10e9 * 4 CPUs * 100
        memory=200,
        memory_limit=1000,
        memory_percent=20.0,
        net_rx=30,
        net_tx=3,
        block_read=18,
        block_write=7,
        pids=9,
        cpu_total=3_000_000_000,
        system_total=20_000_000_000,
        online_cpus=4,
    )


def test_missing_parts_give_zeros_not_errors():
    assert StatsSample.from_raw("c2", {}) == StatsSample("c2", 0.0, 0, 0, 0.0, 0, 0, 0, 0, 0)


def test_without_online_cpus_the_per_cpu_list_counts_them():
    raw = {**RAW, "cpu_stats": {**RAW["cpu_stats"], "online_cpus": 0}}
    assert cpu_percent(raw) == pytest.approx(30.0)  # 3 entries in percpu_usage


def test_cpu_needs_both_deltas_positive():
    still = {**RAW, "precpu_stats": {**RAW["precpu_stats"], "system_cpu_usage": 20_000_000_000}}
    assert cpu_percent(still) == 0.0
    idle = {**RAW, "precpu_stats": {**RAW["precpu_stats"], "cpu_usage": {"total_usage": 3e9}}}
    assert cpu_percent(idle) == 0.0


def test_memory_equal_to_the_cache_is_the_usage_for_v1_and_v2():
    v1 = {"memory_stats": {"usage": 100, "stats": {"total_inactive_file": 100}}}
    assert memory_usage(v1) == 100
    v2 = {"memory_stats": {"usage": 100, "stats": {"inactive_file": 100}}}
    assert memory_usage(v2) == 100
    assert memory_usage({"memory_stats": {"usage": 100, "stats": {"inactive_file": 99}}}) == 1


def test_io_sums_by_operation_and_interface():
    assert block_io(RAW) == (18, 7)
    assert block_io({"blkio_stats": {"io_service_bytes_recursive": None}}) == (0, 0)
    assert network_io(RAW) == (30, 3)
    assert network_io({"networks": {"eth0": {}}}) == (0, 0)
