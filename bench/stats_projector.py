"""The projector (issue 26, --projector): 100 containers watched by the dashboard in a terminal of
each --terminals size (100x30: about twenty rows on screen; 200x50: about forty), on a quiet
machine and under load (bench/load.py: a busy loop per core and a process holding memory), with
its stats from the API and from cgroup files, against `docker stats` in a terminal of the same
size; the dashboard's resident memory too. Targets: cgroup mode at most 0.2x `docker stats`,
API mode at most 0.5x, the dashboard's RSS at most 80 MiB. Written to stats_projector.json.

Run as `python -m bench.stats_overhead --projector` (or this module); the shared helpers are
bench.stats_overhead's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from functools import partial
from typing import Any

import docker

from bench import load as machine_load
from bench import stats_ways as ways
from bench.machine import write_results
from bench.stats_overhead import (
    TARGET_AGE_S,
    TARGET_RATIO,
    _percent,
    background_of,
    compare,
    engine_and_client,
    idle_containers,
    summary,
)
from bench.terminal import parse_size

TARGET_CGROUP_RATIO = 0.2  # issue 26: cgroup mode at most a fifth of `docker stats`...
TARGET_RSS_MIB = 80.0  # ...and the dashboard's resident memory at most this


def projector(
    client: docker.DockerClient,
    target: ways.Target,
    count: int,
    terminals: Sequence[tuple[int, int]],
    loads: Sequence[str],
    seconds: float,
    repeats: int = 1,
) -> dict[str, Any]:
    """The dashboard (API and cgroup) and `docker stats` at each terminal size, under each load."""
    warmup = min(2.0, seconds)
    runs = []
    with idle_containers(client, count) as ids:
        watched = [ways.Watched(target, ids)]
        for load in loads:
            with machine_load.machine_load(load):
                background = background_of([target], seconds)
                for size in terminals:
                    result: dict[str, Any] = {
                        "containers": count,
                        "seconds": seconds,
                        "terminal": f"{size[0]}x{size[1]}",
                        **machine_load.describe(load),
                        "engine_background_cpu_percent": _percent(background, seconds),
                    }
                    plan: dict[str, Callable[[], ways.Window]] = {
                        "app_api": partial(ways.run_app, watched, seconds, warmup, "api", size),
                        "app_cgroup": partial(
                            ways.run_app, watched, seconds, warmup, "cgroup", size
                        ),
                        "docker_stats_cli": partial(
                            ways.docker_stats_cli, watched, seconds, warmup, size
                        ),
                    }
                    compare(result, plan, background, seconds, repeats)
                    result["targets"] = projector_verdict(result)
                    print(summary(result), flush=True)
                    runs.append(result)
    return {"runs": runs, "app_cpu_loaded_over_quiet": _loaded_over_quiet(runs)}


def projector_verdict(run: dict[str, Any]) -> dict[str, Any]:
    """Issue 26's targets for one terminal size and load: each figure and whether it is met."""
    api, cgroup = run["app_api"], run["app_cgroup"]
    rss = max(way.get("rss_mib", {}).get("max", 0.0) for way in (api, cgroup))
    on_screen = api.get("age_of_newest_figure_s", {}).get("max")
    api_ratio, cgroup_ratio = (way["total_cpu_ratio_vs_docker_stats"] for way in (api, cgroup))
    return {
        "api_ratio": api_ratio,
        "api_met": api_ratio is not None and api_ratio <= TARGET_RATIO,
        "api_on_screen_max_age_s": on_screen,
        "api_age_met": on_screen is not None and on_screen <= TARGET_AGE_S,
        "cgroup_ratio": cgroup_ratio,
        "cgroup_met": cgroup_ratio is not None and cgroup_ratio <= TARGET_CGROUP_RATIO,
        "rss_max_mib": rss,
        "rss_met": rss <= TARGET_RSS_MIB,
    }


def _loaded_over_quiet(runs: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """The dashboard's own CPU under load as a multiple of its quiet figure, by size and mode."""
    ratios: dict[str, float | None] = {}
    by_key = {(run["terminal"], run["load"]): run for run in runs}
    for (terminal, load), run in by_key.items():
        quiet = by_key.get((terminal, "quiet"))
        if load != "loaded" or quiet is None:
            continue
        for way in ("app_api", "app_cgroup"):
            mine = quiet[way]["collector_cpu_percent_of_one_core"]
            loaded = run[way]["collector_cpu_percent_of_one_core"]
            ratios[f"{terminal} {way}"] = round(loaded / mine, 2) if mine else None
    return ratios


def one_engine_projector(
    private: bool,
    count: int,
    terminals: Sequence[tuple[int, int]],
    loads: Sequence[str],
    seconds: float,
    repeats: int,
) -> dict[str, Any]:
    """The projector figures on one engine (private by default)."""
    with ExitStack() as stack:
        target, client = engine_and_client(stack, private)
        figures: dict[str, Any] = {"engine": "private dockerd" if private else "shared dockerd"}
        figures.update(projector(client, target, count, terminals, loads, seconds, repeats))
    return figures


def run_projector(
    private: bool,
    count: int,
    terminals: str,
    loads: str,
    seconds: float,
    repeats: int,
    *,
    smoke: bool = False,
) -> int:
    """Measure, write stats_projector.json and print the verdicts."""
    sizes = [parse_size(text) for text in terminals.split(",")]
    figures = one_engine_projector(private, count, sizes, loads.split(","), seconds, repeats)
    path = write_results("stats_projector", figures, smoke=smoke)
    print(f"targets: {[run['targets'] for run in figures['runs']]}")
    print(f"app CPU loaded / quiet: {figures['app_cpu_loaded_over_quiet']}")
    print(f"-> {path}")
    return 0


if __name__ == "__main__":
    from bench.stats_overhead import main

    raise SystemExit(main(["--projector", *sys.argv[1:]]))
