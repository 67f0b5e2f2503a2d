"""Rows and labels as plain functions: volumes, networks, prune, the selection's stats."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.engine.images import ImageInfo, Layer
from tui.engine.prune import PruneCandidate, PrunePlan, PruneResult
from tui.engine.stats.api import StatsSample
from tui.engine.volumes import NetworkInfo, VolumeInfo
from tui.views.presentation import (
    image_cells,
    image_rank,
    layer_cells,
    network_cells,
    network_rank,
    project_stats_labels,
    prune_cells,
    prune_summary,
    stats_labels,
    summed,
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


def sample(cpu: float, memory: int) -> StatsSample:
    return StatsSample("c", cpu, memory, 2**30, 100 * memory / 2**30, 0, 0, 0, 0, 1)


def test_a_containers_labels_say_its_figures_and_a_projects_add_up_its_containers() -> None:
    assert stats_labels("web", sample(12.5, 2**20)) == (
        "web  CPU 12.50%",
        "Memory 1MiB / 1GiB (0.1%)",
    )
    assert stats_labels("web", None) == ("web  CPU -", "Memory -")
    labels = project_stats_labels("shop", [sample(10.0, 2**20), sample(2.25, 3 * 2**20)])
    assert labels == ("shop  CPU 12.25%", "Memory 4MiB in 2 containers")
    assert project_stats_labels("shop", []) == ("shop  CPU -", "Memory -")


def test_histories_add_up_over_the_newest_points_they_all_have() -> None:
    assert summed([[1.0, 2.0, 3.0], [10.0, 20.0]]) == [12.0, 23.0]
    assert summed([[1.0], []]) == []
    assert summed([]) == []


def test_image_rows_say_size_and_age_and_sort_largest_first() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    big = ImageInfo(
        "sha256:" + "a" * 64, ("lab:1",), 1_230_000_000, datetime(2026, 1, 1, tzinfo=UTC), 2, {}
    )
    loose = ImageInfo("sha256:" + "b" * 64, (), 5_000, datetime(2026, 1, 1, 23, tzinfo=UTC), 0, {})
    assert [str(c) for c in image_cells(big, now)] == ["lab:1", "a" * 12, "1.23GB", "1d0h ago", "2"]
    assert str(image_cells(loose, now)[0]) == "<none>:<none> (dangling)"
    assert sorted([loose, big], key=lambda i: image_rank(i, "size")) == [big, loose]
    assert sorted([big, loose], key=lambda i: image_rank(i, "created")) == [loose, big]
    assert sorted([loose, big], key=lambda i: image_rank(i, "name")) == [big, loose]
    layer = Layer("x", now, 0, 'CMD ["sh"]', "")
    assert [str(c) for c in layer_cells(3, layer)] == ["3", "0B", 'CMD ["sh"]']
