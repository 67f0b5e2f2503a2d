"""Benchmarks 1 and 2: what live stats cost, ours (API streams, cgroup files) vs `docker stats`.

For 10, 50 and 100 idle running containers, over --seconds each way, one after another: the CPU
of the collector (this process, or the `docker stats` CLI) and what the engine (dockerd, its
containerd and the shims) spends meanwhile, less its background (measured first with nobody
following stats), and how old the newest figure of each row is (sampled every 0.25 s).
Ways: the bare API streams (tui.engine.stats), the bare cgroup collector, the real app headless
with its stats from the API and from cgroup files, and `docker stats`. The app idle (nothing
running, nothing changing) is measured once. By default a private dockerd plays the engine, so
other people's use of the shared one does not count; --engine shared uses the shared one.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import docker
import psutil

from bench import stats_ways as ways
from bench.engine_side import EngineProcesses, shared_dockerd
from bench.machine import write_results
from bench.private_engine import PrivateEngine

RUN = uuid.uuid4().hex[:8]
LABELS = {"org.container-lab.test": f"bench-{RUN}", "org.container-lab.bench": "stats"}
IMAGE = "debian:bookworm-slim"


@contextmanager
def idle_containers(client: docker.DockerClient, count: int) -> Iterator[dict[str, int]]:
    """`count` running containers that do nothing (cat on an open stdin): id -> init pid."""
    made = []
    try:
        for _ in range(count):
            made.append(
                client.containers.run(
                    IMAGE, ["cat"], stdin_open=True, detach=True, labels=LABELS, network_mode="none"
                )
            )
        for container in made:
            container.reload()
        yield {c.id: c.attrs["State"]["Pid"] for c in made}
    finally:
        for container in made:
            container.remove(force=True)


def _percent(cpu: float, seconds: float) -> float:
    return round(cpu / seconds * 100, 2)


def _age_figures(ages: list[float]) -> dict[str, float]:
    ordered = sorted(ages)
    return {
        "median": round(statistics.median(ordered), 3),
        "p99": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 3),
        "max": round(ordered[-1], 3),
        "share_over_1_2_s": round(sum(a > 1.2 for a in ordered) / len(ordered), 4),
    }


def measure(way: Callable[[], ways.Window], background: float, seconds: float) -> dict[str, Any]:
    """Run one way; its CPU, the engine's (raw and less background) and the ages of its rows."""
    window = way()
    engine_net = max(0.0, window.engine_cpu - background)
    entry: dict[str, Any] = {
        "collector_cpu_percent_of_one_core": _percent(window.own_cpu, seconds),
        "engine_cpu_percent_of_one_core": _percent(window.engine_cpu, seconds),
        "engine_cpu_less_background_percent": _percent(engine_net, seconds),
        "total_cpu_percent_of_one_core": _percent(window.own_cpu + engine_net, seconds),
    }
    if window.ages:
        entry["age_of_newest_figure_s"] = _age_figures(window.ages)
    if window.streams is not None:
        entry["containers_followed"] = window.streams
    if window.key_waits:
        entry["key_press_wait_ms"] = {
            "median": round(statistics.median(window.key_waits) * 1000, 1),
            "max": round(max(window.key_waits) * 1000, 1),
            "presses": len(window.key_waits),
        }
    return entry


def background_of(target: ways.Target, seconds: float) -> float:
    """The engine's CPU seconds over `seconds` with nobody of ours following stats."""
    before = target.engine.snapshot()
    time.sleep(seconds)
    return target.engine.used(before, target.engine.snapshot())


def one_size(
    client: docker.DockerClient, target: ways.Target, count: int, seconds: float
) -> dict[str, Any]:
    """Every way on `count` containers, one after the other."""
    warmup = min(2.0, seconds)
    result: dict[str, Any] = {"containers": count, "seconds": seconds}
    with idle_containers(client, count) as ids:
        background = background_of(target, seconds)
        result["engine_background_cpu_percent"] = _percent(background, seconds)
        plan: dict[str, Callable[[], ways.Window]] = {
            "api_streams": lambda: ways.api_streams(ids, seconds, warmup, target),
            "cgroup_collector": lambda: ways.cgroup_loop(ids, seconds, warmup, target),
            "app_api": lambda: ways.run_app(ids, seconds, warmup, target, "api"),
            "app_cgroup": lambda: ways.run_app(ids, seconds, warmup, target, "cgroup"),
            "docker_stats_cli": lambda: ways.docker_stats_cli(ids, seconds, warmup, target),
        }
        for name, way in plan.items():
            result[name] = measure(way, background, seconds)
    cli_total = result["docker_stats_cli"]["total_cpu_percent_of_one_core"]
    for name in plan:
        ours = result[name]["total_cpu_percent_of_one_core"]
        result[name]["total_cpu_ratio_vs_docker_stats"] = (
            round(ours / cli_total, 3) if cli_total else None
        )
    return result


def app_idle(target: ways.Target, seconds: float) -> dict[str, Any]:
    """The app open with nothing of ours running or changing: its own CPU."""
    window = ways.run_app({}, seconds, min(2.0, seconds), target, "auto")
    return {
        "app_cpu_percent_of_one_core": _percent(window.own_cpu, seconds),
        "engine_cpu_percent_of_one_core": _percent(window.engine_cpu, seconds),
        "containers_followed": window.streams,
    }


def summary(run: dict[str, Any]) -> str:
    """One line per size."""
    parts = [
        f"{run['containers']:>4} containers (engine bg {run['engine_background_cpu_percent']}%):"
    ]
    for name in ("api_streams", "cgroup_collector", "app_api", "app_cgroup", "docker_stats_cli"):
        way = run[name]
        age = way.get("age_of_newest_figure_s", {}).get("max", "-")
        ratio = way["total_cpu_ratio_vs_docker_stats"]
        keys = way.get("key_press_wait_ms")
        key_text = f", key press median {keys['median']} ms max {keys['max']} ms" if keys else ""
        parts.append(
            f"{name} {way['collector_cpu_percent_of_one_core']}% + engine "
            f"{way['engine_cpu_less_background_percent']}% (x{ratio}, max age {age} s{key_text})"
        )
    return "\n    ".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Run every size and write bench/results/stats_overhead.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="3 containers, 1.5 s a way")
    parser.add_argument("--sizes", default="10,50,100")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--engine", choices=("private", "shared"), default="")
    args = parser.parse_args(argv)
    sizes = [3] if args.smoke else [int(s) for s in args.sizes.split(",")]
    seconds = 1.5 if args.smoke else args.seconds
    private = (args.engine or ("shared" if args.smoke else "private")) == "private"
    engine = PrivateEngine() if private else None
    try:
        if engine is not None:
            engine.start()
            engine.load_image(IMAGE)
            assert engine.process is not None
            target = ways.Target(engine.url, EngineProcesses(psutil.Process(engine.process.pid)))
        else:
            target = ways.Target(None, EngineProcesses(shared_dockerd()))
        client = (
            docker.DockerClient(base_url=target.url, timeout=120)
            if target.url
            else (docker.from_env(timeout=120))
        )
        figures: dict[str, Any] = {"engine": "private dockerd" if private else "shared dockerd"}
        figures["app_idle"] = app_idle(target, seconds)
        figures["runs"] = [one_size(client, target, size, seconds) for size in sizes]
    finally:
        if engine is not None:
            engine.destroy()
    path = write_results("stats_overhead", figures, smoke=args.smoke)
    print(f"app idle: {figures['app_idle']}")
    for run in figures["runs"]:
        print(summary(run))
    print(f"-> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
