"""Benchmarks 1 and 2: what live stats cost, ours (API streams, cgroup files) vs `docker stats`.

For 10, 50 and 100 idle running containers, over DURATION seconds each way: the CPU of the
collector (this process, or the `docker stats` CLI), what dockerd spends meanwhile, and how old
the newest figure of each row is when looked at (sampled every 0.25 s).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import docker
import psutil

from bench.machine import write_results
from tui.engine.backend import DockerBackend
from tui.engine.cgroup_stats import CgroupCollector, sample_all

LABEL = {"org.container-lab.bench": "stats"}
IMAGE = "debian:bookworm-slim"


def dockerd() -> psutil.Process:
    """The shared engine's process."""
    return next(p for p in psutil.process_iter(["name"]) if p.info["name"] == "dockerd")


def cpu_seconds(process: psutil.Process) -> float:
    """User plus system CPU seconds of a process (its children's included)."""
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


@contextmanager
def idle_containers(client: docker.DockerClient, count: int) -> Iterator[dict[str, int]]:
    """`count` running containers that do nothing (cat on an open stdin): id -> init pid."""
    made = []
    try:
        for _ in range(count):
            made.append(
                client.containers.run(
                    IMAGE, ["cat"], stdin_open=True, detach=True, labels=LABEL, network_mode="none"
                )
            )
        for container in made:
            container.reload()
        yield {c.id: c.attrs["State"]["Pid"] for c in made}
    finally:
        for container in made:
            container.remove(force=True)


def _ages(last: dict[str, float], ids: list[str], stop: threading.Event, out: list[float]) -> None:
    while not stop.wait(0.25):
        now = time.monotonic()
        out.extend(now - last[cid] for cid in ids if cid in last)


def run_api(ids: dict[str, int], seconds: float) -> tuple[float, list[float]]:
    """The dashboard's way: one streaming stats worker per container."""
    backend = DockerBackend()
    backend.connect()
    last: dict[str, float] = {}
    streams = [backend.stats(cid) for cid in ids]

    def follow(stream: Any) -> None:
        for sample in stream:
            last[sample.container_id] = time.monotonic()

    threads = [threading.Thread(target=follow, args=(s,), daemon=True) for s in streams]
    return _measure(threads, streams, ids, last, seconds)


def run_cgroup(ids: dict[str, int], seconds: float) -> tuple[float, list[float]]:
    """The faster way: one thread reads every container's cgroup once a second."""
    collector = CgroupCollector()
    last: dict[str, float] = {}
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            moment, samples = sample_all(collector, ids)
            for cid in samples:
                last[cid] = moment
            stop.wait(max(0.0, 1.0 - (time.monotonic() - moment)))

    class _Stopper:
        def close(self) -> None:
            stop.set()

    return _measure([threading.Thread(target=loop, daemon=True)], [_Stopper()], ids, last, seconds)


def _measure(
    threads: list[threading.Thread],
    closers: list[Any],
    ids: dict[str, int],
    last: dict[str, float],
    seconds: float,
) -> tuple[float, list[float]]:
    me = psutil.Process()
    for thread in threads:
        thread.start()
    time.sleep(2.0)  # warm-up: every row has had a first figure
    ages: list[float] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_ages, args=(last, list(ids), stop, ages), daemon=True)
    before = cpu_seconds(me)
    watcher.start()
    time.sleep(seconds)
    stop.set()
    used = cpu_seconds(me) - before
    for closer in closers:
        closer.close()
    return used, ages


def run_cli(ids: dict[str, int], seconds: float) -> float:
    """`docker stats` following the same containers, its output thrown away."""
    cli = subprocess.Popen(
        ["docker", "stats", *ids], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        process = psutil.Process(cli.pid)
        time.sleep(2.0)
        before = cpu_seconds(process)
        time.sleep(seconds)
        return cpu_seconds(process) - before
    finally:
        cli.kill()  # `docker stats` ignores SIGTERM while it waits on its streams
        cli.wait(timeout=10)


def one_size(client: docker.DockerClient, count: int, seconds: float) -> dict[str, Any]:
    """All three collectors on `count` containers, one after the other."""
    engine = dockerd()
    result: dict[str, Any] = {"containers": count, "seconds": seconds}
    with idle_containers(client, count) as ids:
        ways: dict[str, Callable[[], Any]] = {
            "dashboard_api": lambda: run_api(ids, seconds),
            "dashboard_cgroup": lambda: run_cgroup(ids, seconds),
            "docker_stats_cli": lambda: run_cli(ids, seconds),
        }
        for name, way in ways.items():
            engine_before = cpu_seconds(engine)
            outcome = way()
            engine_used = cpu_seconds(engine) - engine_before
            own, ages = outcome if isinstance(outcome, tuple) else (outcome, [])
            entry = {
                "collector_cpu_percent_of_one_core": round(own / seconds * 100, 2),
                "dockerd_cpu_percent_of_one_core": round(engine_used / seconds * 100, 2),
                "total_cpu_percent_of_one_core": round((own + engine_used) / seconds * 100, 2),
            }
            if ages:
                entry["age_of_newest_figure_s"] = {
                    "median": round(statistics.median(ages), 3),
                    "p99": round(sorted(ages)[int(len(ages) * 0.99) - 1], 3),
                    "max": round(max(ages), 3),
                }
            result[name] = entry
    cli_total = result["docker_stats_cli"]["total_cpu_percent_of_one_core"]
    for name in ("dashboard_api", "dashboard_cgroup"):
        ours = result[name]["total_cpu_percent_of_one_core"]
        result[name]["total_cpu_ratio_vs_docker_stats"] = (
            round(ours / cli_total, 3) if cli_total else None
        )
    return result


def main(argv: list[str] | None = None) -> int:
    """Run every size and write bench/results/stats_overhead.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="3 containers, 3 s")
    parser.add_argument("--sizes", default="10,50,100")
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    sizes = [3] if args.smoke else [int(s) for s in args.sizes.split(",")]
    seconds = 3.0 if args.smoke else args.seconds
    client = docker.from_env(timeout=120)
    runs = [one_size(client, size, seconds) for size in sizes]
    path = write_results("stats_overhead", {"runs": runs}, smoke=args.smoke)
    for run in runs:
        api, cg, cli = run["dashboard_api"], run["dashboard_cgroup"], run["docker_stats_cli"]
        print(
            f"{run['containers']:>4} containers: API {api['collector_cpu_percent_of_one_core']}% "
            f"(+dockerd {api['dockerd_cpu_percent_of_one_core']}%), cgroup "
            f"{cg['collector_cpu_percent_of_one_core']}% (+dockerd "
            f"{cg['dockerd_cpu_percent_of_one_core']}%), docker stats "
            f"{cli['collector_cpu_percent_of_one_core']}% (+dockerd "
            f"{cli['dockerd_cpu_percent_of_one_core']}%); newest figure max age API "
            f"{api['age_of_newest_figure_s']['max']} s, "
            f"cgroup {cg['age_of_newest_figure_s']['max']} s"
        )
    print(f"-> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
