"""Pure parts of the container side."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from tui.engine.footprint import chain_ids, pair_layer_sizes, parse_docker_time, working_set_bytes


def test_chain_ids_follow_the_oci_rule():
    a, b = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    chain = chain_ids([a, b])
    assert chain[0] == a
    assert chain[1] == "sha256:" + hashlib.sha256(f"{a} {b}".encode()).hexdigest()
    # The same layer on another base is another layer.
    assert chain_ids([b, b])[1] != chain[1]


def test_pair_layer_sizes_skips_history_entries_without_layers():
    diff_ids = ["sha256:1", "sha256:2"]
    paired = pair_layer_sizes(diff_ids, [0, 80, 0, 20, 0])  # ENV/CMD entries have size 0
    assert [size for _, size in paired] == [80, 20]
    # An empty layer makes the pairing ambiguous; the total stays exact.
    assert sum(s for _, s in pair_layer_sizes(["x", "y", "z"], [80, 0, 20])) == 100


def test_working_set_subtracts_inactive_file_on_v1_and_v2():
    v2 = {"memory_stats": {"usage": 1000, "stats": {"inactive_file": 300}}}
    v1 = {"memory_stats": {"usage": 1000, "stats": {"total_inactive_file": 100}}}
    assert working_set_bytes(v2) == 700
    assert working_set_bytes(v1) == 900
    assert working_set_bytes({"memory_stats": {}}) is None


def test_parse_docker_time_keeps_microseconds():
    got = parse_docker_time("2024-05-06T07:08:09.123456789Z")
    assert got == datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    assert parse_docker_time("0001-01-01T00:00:00Z") is None
    assert parse_docker_time("") is None
