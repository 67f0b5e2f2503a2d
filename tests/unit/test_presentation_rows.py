"""The containers table's cells and sort keys, a project's header row and the prune rows,
each written out by hand: a changed word, style, sign or order shows (bench/mutation.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.text import Text

from tests.unit.test_formats import NOW, info
from tui.engine.compose import ComposeProject
from tui.engine.prune import PruneCandidate, PrunePlan
from tui.engine.stats.api import StatsSample
from tui.views.colours import BAD, GOOD, WAITING
from tui.views.presentation import (
    container_cells,
    container_rank,
    member_name,
    project_cells,
    prune_cells,
)


def sample(cid: str, cpu: float, memory: int, net: int = 0, block: int = 0) -> StatsSample:
    return StatsSample(cid, cpu, memory, 2**30, 0.0, net, 2 * net, block, 3 * block, 1)


def plain(cells: list[object]) -> list[str]:
    return [cell.plain if isinstance(cell, Text) else str(cell) for cell in cells]


COLUMNS = ("host", "name", "image", "state", "status", "ports", "cpu", "mem", "net", "block")


def by_column(row: dict[str, object]) -> dict[str, str]:
    """A row keyed by column, each cell as plain text (every column there, no other)."""
    assert set(row) == set(COLUMNS), sorted(row)
    return dict(zip(COLUMNS, plain([row[key] for key in COLUMNS]), strict=True))


def test_a_running_containers_row():
    row = container_cells(
        info("running", engine="box", ports="0.0.0.0:8080->80/tcp", health="healthy"),
        sample("f" * 64, 12.5, 3 * 2**20, net=1500, block=2000),
        NOW,
    )
    assert by_column(row) == {
        "host": "box",
        "name": "web",
        "image": "debian:bookworm-slim",
        "state": "running (healthy)",
        "status": "up 1h30m",
        "ports": "0.0.0.0:8080->80/tcp",
        "cpu": "12.50%",
        "mem": "3MiB / 1GiB",
        "net": "1.5kB / 3kB",
        "block": "2kB / 6kB",
    }
    state = row["state"]
    assert isinstance(state, Text) and state.style == f"bold {GOOD}"
    assert [str(span.style) for span in state.spans] == ["dim"]  # the health, dimmed


def test_a_stopped_containers_row_has_no_figures_and_a_red_state():
    row = container_cells(info("exited", exit_code=2), None, NOW)
    assert list(by_column(row).values())[3:] == ["exited", "exit 2", "", "-", "-", "-", "-"]
    state = row["state"]
    assert isinstance(state, Text) and state.style == BAD and not state.spans


def names_by(column: str, reverse: bool = False) -> list[str]:
    """Four containers sorted by `column` with the table's key."""
    t0 = NOW - timedelta(hours=5)
    rows = {
        "alpha": (info("exited", name="alpha", started_at=t0), None),
        "Bravo": (
            info("running", name="Bravo", image="nginx", started_at=t0 + timedelta(hours=2)),
            sample("b", 50.0, 100, net=5, block=1),
        ),
        "charlie": (
            info("paused", name="charlie", image="alpine", started_at=t0 + timedelta(hours=1)),
            sample("c", 0.0, 300, net=1, block=9),
        ),
        "delta": (
            info("created", name="delta", image="Zeta", started_at=None, created=t0),
            None,
        ),
    }
    order = sorted(
        rows, key=lambda n: container_rank(rows[n][0], rows[n][1], column, NOW), reverse=reverse
    )
    return order


def test_containers_sort_by_each_column_as_worked_out_by_hand():
    assert names_by("name") == ["alpha", "Bravo", "charlie", "delta"]  # case folded
    assert names_by("image") == [
        "charlie",
        "alpha",
        "Bravo",
        "delta",
    ]  # alpine, debian, nginx, zeta
    assert names_by("state") == ["Bravo", "charlie", "delta", "alpha"]  # running, paused, created
    assert names_by("status") == ["alpha", "delta", "charlie", "Bravo"]  # oldest start first
    # rows without figures first (by name), then the figure ascending
    assert names_by("cpu") == ["alpha", "delta", "charlie", "Bravo"]
    assert names_by("mem") == ["alpha", "delta", "Bravo", "charlie"]
    assert names_by("net") == ["alpha", "delta", "charlie", "Bravo"]  # 3 < 15 bytes
    assert names_by("block") == ["alpha", "delta", "Bravo", "charlie"]  # 4 < 36 bytes
    assert names_by("cpu", reverse=True) == ["Bravo", "charlie", "delta", "alpha"]


def test_an_unknown_state_sorts_after_every_known_one():
    odd = info("weird", name="a")
    assert container_rank(odd, None, "state", NOW) == (99, "a")
    assert container_rank(info("removing", name="a"), None, "state", NOW) == (6, "a")


def test_a_projects_header_row_sums_its_running_containers():
    web = info("running", id="w" * 64, name="shop-web-1")
    db = info("exited", id="d" * 64, name="shop-db-1")
    infos = {web.id: web, db.id: db}
    project = ComposeProject("shop", "/srv", ("/srv/compose.yaml",), (web.id, db.id), ("web", "db"))
    samples = {web.id: sample(web.id, 1.25, 2**20, 1000, 10), db.id: sample(db.id, 9.0, 2**20)}
    row = project_cells(project, infos, samples, folded=False)
    assert list(by_column(row).values()) == [
        "",  # no host: a project's containers share one
        "▼ shop",
        "2 services",
        "1/2 running",
        "compose project",
        "",
        "1.25%",
        "1MiB",
        "1kB / 2kB",
        "10B / 30B",
    ]
    assert isinstance(row["state"], Text) and row["state"].style == WAITING
    folded = list(by_column(project_cells(project, {db.id: db}, samples, folded=True)).values())
    assert folded[1:4] == ["▶ shop", "2 services", "0/1 running"]
    assert folded[6:] == ["-", "-", "-", "-"]
    alone = ComposeProject("one", "/srv", (), (web.id,), ("web",))
    cells = project_cells(alone, infos, {}, folded=False)
    assert [str(cells["image"]), str(cells["state"])] == ["1 service", "1/1 running"]
    assert isinstance(cells["state"], Text) and cells["state"].style == f"bold {GOOD}"
    assert member_name("shop-web-1") == "  shop-web-1"


def test_prune_rows_name_at_most_four_and_build_cache_its_own_way():
    few = PrunePlan("images", (PruneCandidate("i1", "old:1", 10), PruneCandidate("i2", "old:2", 5)))
    assert plain(prune_cells(few, chosen=False)) == ["[ ]", "images", "2", "15B", "old:1, old:2"]
    assert str(prune_cells(few, chosen=False)[0].style) == "dim"  # type: ignore[union-attr]
    assert str(prune_cells(few, chosen=True)[0].style) == "bold"  # type: ignore[union-attr]
    four = PrunePlan("volumes", tuple(PruneCandidate(f"v{i}", f"v{i}", 1) for i in range(4)))
    assert plain(prune_cells(four, chosen=True))[4] == "v0, v1, v2, v3"
    none = PrunePlan("networks")
    assert plain(prune_cells(none, chosen=False)) == ["[ ]", "networks", "0", "0B", "-"]
    cache = PrunePlan("build cache", build_cache_bytes=2000)
    assert plain(prune_cells(cache, chosen=False)) == [
        "[ ]",
        "build cache",
        "-",
        "2kB",
        "unused build cache",
    ]


def test_the_clock_decides_the_uptime_in_a_row():
    later = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)
    assert by_column(container_cells(info("running"), None, later))["status"] == "up 1d1h"
