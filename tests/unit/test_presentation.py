"""Rows of the volumes, networks and prune tables, as plain functions."""

from __future__ import annotations

from tui.engine.prune import PruneCandidate, PrunePlan, PruneResult
from tui.engine.volumes import NetworkInfo, VolumeInfo
from tui.views.presentation import (
    network_cells,
    network_rank,
    prune_cells,
    prune_summary,
    volume_cells,
    volume_rank,
)


def vol(name: str, size: int | None, users: tuple[str, ...] = ()) -> VolumeInfo:
    return VolumeInfo(name, "local", f"/var/lib/docker/volumes/{name}/_data", size, users, {})


def test_a_volume_row_says_its_size_and_who_uses_it() -> None:
    cells = [str(c) for c in volume_cells(vol("data", 2_500_000, ("a", "b", "c", "d", "e")))]
    assert cells[:3] == ["data", "local", "2.5MB"]
    assert cells[4] == "a, b, c +2"
    assert str(volume_cells(vol("idle", None))[2]) == "?"
    assert str(volume_cells(vol("idle", 0))[4]) == "unused"


def test_volumes_sort_by_size_largest_first_and_by_users_unused_first() -> None:
    items = [vol("a", 1), vol("b", 3, ("x",)), vol("c", 2)]
    assert [v.name for v in sorted(items, key=lambda v: volume_rank(v, "size"))] == ["b", "c", "a"]
    assert [v.name for v in sorted(items, key=lambda v: volume_rank(v, "users"))] == ["a", "c", "b"]


def test_built_in_networks_come_first_and_show_their_subnets() -> None:
    mine = NetworkInfo("f" * 64, "lab", "bridge", "local", ("10.1.0.0/24",), ("web",), {})
    bridge = NetworkInfo("e" * 64, "bridge", "bridge", "local", ("172.17.0.0/16",), (), {})
    assert sorted([mine, bridge], key=lambda n: network_rank(n, "name"))[0] is bridge
    assert [str(c) for c in network_cells(mine)] == [
        "lab",
        "f" * 12,
        "bridge",
        "local",
        "10.1.0.0/24",
        "web",
    ]


def test_a_prune_row_and_the_summary_after_it() -> None:
    plan = PrunePlan("volumes", tuple(PruneCandidate(f"v{i}", f"v{i}", 1000) for i in range(6)))
    assert [str(c) for c in prune_cells(plan, chosen=True)] == [
        "[x]",
        "volumes",
        "6",
        "6kB",
        "v0, v1, v2, v3 +2",
    ]
    cache = PrunePlan("build cache", build_cache_bytes=0)
    assert [str(c) for c in prune_cells(cache, chosen=False)][2:] == ["-", "0B", "-"]
    done = PruneResult("volumes", removed=["v0", "v1"], freed=2000, failed={"v2": "in use"})
    assert prune_summary([done]) == (
        "pruned 2 objects, freed 2kB; 1 could not be removed (v2: in use)"
    )
