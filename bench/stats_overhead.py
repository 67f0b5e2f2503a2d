"""Benchmarks 1 and 2: what live stats cost, ours (API streams, cgroup files) vs `docker stats`.

For 10, 50 and 100 idle running containers, over --seconds each way (60: a whole minute, in
which each row's uptime changes once and the table is redrawn for it), one after another: the CPU
of the collector (this process, or the `docker stats` CLI) and what the engine (dockerd, its
containerd and the shims) spends meanwhile, less its background (measured first with nobody
following stats), and how old the newest figure of each row is (sampled every 0.25 s).
Ways: the bare API streams (tui.engine.stats.api), the bare cgroup collector, the real app headless
(at a 100x30 terminal) with its stats from the API and from cgroup files, and `docker stats`.
Over the API the app streams only the rows on screen and samples the others every 15 s, so its
ages are given for the rows on screen and, apart, for those scrolled away. The app idle (nothing
running, nothing changing) is measured once. By default a private dockerd plays the engine, so
other people's use of the shared one does not count; --engine shared uses the shared one.

The projector sizes and loads: --projector, see bench/stats_projector.py.

Then several engines (issue 14): three private dockerds, each in its own network namespace, the
containers spread over them (--per-engine: that many on each); the app watching all three over
the API against `docker stats` run on each of them at once (three CLIs: the sum of their CPU and
of the three engines'). The target: the app in API mode at most 0.5x `docker stats` at 100
containers, with every row on screen at most 2 s old; `target` in the JSON says if it is met.
The machine is shared, so that pair runs --repeats times in turn and the median run counts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
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
TARGET_RATIO = 0.5  # issue 14: the app over the API at most half of `docker stats`...
TARGET_AGE_S = 2.0  # ...with every row on screen at most this old


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
    """Run one way; its CPU, the engines' (raw and less background) and the ages of its rows."""
    load_before = os.getloadavg()[0]
    window = way()
    engine_net = max(0.0, window.engine_cpu - background)
    entry: dict[str, Any] = {
        "collector_cpu_percent_of_one_core": _percent(window.own_cpu, seconds),
        "engine_cpu_percent_of_one_core": _percent(window.engine_cpu, seconds),
        "engine_cpu_less_background_percent": _percent(engine_net, seconds),
        "total_cpu_percent_of_one_core": _percent(window.own_cpu + engine_net, seconds),
        "machine_load_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    if window.ages:
        entry["age_of_newest_figure_s"] = _age_figures(window.ages)
    if window.offscreen_ages:
        entry["age_of_newest_figure_offscreen_s"] = _age_figures(window.offscreen_ages)
    if window.streams is not None:
        entry["containers_followed"] = window.streams
    if window.rss_mib:
        entry["rss_mib"] = {
            "median": round(statistics.median(window.rss_mib), 1),
            "max": round(max(window.rss_mib), 1),
        }
    entry.update(window.app)
    if window.key_waits:
        entry["key_press_wait_ms"] = {
            "median": round(statistics.median(window.key_waits) * 1000, 1),
            "max": round(max(window.key_waits) * 1000, 1),
            "presses": len(window.key_waits),
        }
    return entry


def background_of(targets: Sequence[ways.Target], seconds: float) -> float:
    """The engines' CPU seconds over `seconds` with nobody of ours following stats."""
    before = [target.engine.snapshot() for target in targets]
    time.sleep(seconds)
    return sum(
        target.engine.used(snapshot, target.engine.snapshot())
        for target, snapshot in zip(targets, before, strict=True)
    )


REPEATED = ("app_api", "docker_stats_cli")  # the pair the target compares


def compare(
    result: dict[str, Any],
    plan: dict[str, Callable[[], ways.Window]],
    background: float,
    seconds: float,
    repeats: int = 1,
) -> None:
    """Run every way of `plan` into `result`, each with its total as a ratio of `docker stats`.

    With `repeats` > 1 the pair in REPEATED runs that many times, in turn (the machine is
    shared); each keeps the run with the median total, every run's total, and the worst
    on-screen age of all its runs.
    """
    runs: dict[str, list[dict[str, Any]]] = {}
    for name, way in plan.items():
        runs[name] = [measure(way, background, seconds)]
    for _ in range(repeats - 1):
        for name in REPEATED:
            if name in plan:
                runs[name].append(measure(plan[name], background, seconds))
    for name, measured in runs.items():
        ordered = sorted(measured, key=lambda entry: entry["total_cpu_percent_of_one_core"])
        result[name] = ordered[(len(ordered) - 1) // 2]
        if len(measured) > 1:
            result[name]["total_cpu_percent_each_run"] = [
                entry["total_cpu_percent_of_one_core"] for entry in measured
            ]
            worst = [
                e["age_of_newest_figure_s"]["max"]
                for e in measured
                if "age_of_newest_figure_s" in e
            ]
            if worst:
                result[name]["age_of_newest_figure_max_of_all_runs_s"] = max(worst)
    cli_total = result["docker_stats_cli"]["total_cpu_percent_of_one_core"]
    for name in plan:
        ours = result[name]["total_cpu_percent_of_one_core"]
        result[name]["total_cpu_ratio_vs_docker_stats"] = (
            round(ours / cli_total, 3) if cli_total else None
        )


def one_size(
    client: docker.DockerClient, target: ways.Target, count: int, seconds: float, repeats: int = 1
) -> dict[str, Any]:
    """Every way on `count` containers, one after the other."""
    warmup = min(2.0, seconds)
    result: dict[str, Any] = {"containers": count, "seconds": seconds}
    with idle_containers(client, count) as ids:
        watched = [ways.Watched(target, ids)]
        background = background_of([target], seconds)
        result["engine_background_cpu_percent"] = _percent(background, seconds)
        plan: dict[str, Callable[[], ways.Window]] = {
            "api_streams": lambda: ways.api_streams(ids, seconds, warmup, target),
            "cgroup_collector": lambda: ways.cgroup_loop(ids, seconds, warmup, target),
            "app_api": lambda: ways.run_app(watched, seconds, warmup, "api"),
            "app_cgroup": lambda: ways.run_app(watched, seconds, warmup, "cgroup"),
            "docker_stats_cli": lambda: ways.docker_stats_cli(watched, seconds, warmup),
        }
        compare(result, plan, background, seconds, repeats)
    return result


def several_engines(
    engines: Sequence[PrivateEngine],
    count: int,
    per_engine: bool,
    seconds: float,
    repeats: int = 1,
) -> dict[str, Any]:
    """The app watching every engine over the API vs one `docker stats` per engine at once."""
    warmup = min(2.0, seconds)
    shares = [count if per_engine else count // len(engines) for _ in engines]
    if not per_engine:
        for index in range(count - sum(shares)):
            shares[index] += 1
    result: dict[str, Any] = {
        "engines": len(engines),
        "containers": sum(shares),
        "containers_per_engine": shares,
        "seconds": seconds,
    }
    targets = [engine_target(engine) for engine in engines]
    with ExitStack() as stack:
        watched = []
        for engine, target, share in zip(engines, targets, shares, strict=True):
            client = docker.DockerClient(base_url=engine.url, timeout=120)
            stack.callback(client.close)
            watched.append(
                ways.Watched(target, stack.enter_context(idle_containers(client, share)))
            )
        background = background_of(targets, seconds)
        result["engine_background_cpu_percent"] = _percent(background, seconds)
        plan: dict[str, Callable[[], ways.Window]] = {
            "app_api": lambda: ways.run_app(watched, seconds, warmup, "api"),
            "docker_stats_cli": lambda: ways.docker_stats_cli(watched, seconds, warmup),
        }
        compare(result, plan, background, seconds, repeats)
    return result


def verdict(run: dict[str, Any]) -> dict[str, Any]:
    """The issue-14 figures of one run: app over the API vs `docker stats`, and if it passes."""
    app, cli = run["app_api"], run["docker_stats_cli"]
    ratio = app["total_cpu_ratio_vs_docker_stats"]
    on_screen = app.get(
        "age_of_newest_figure_max_of_all_runs_s", app.get("age_of_newest_figure_s", {}).get("max")
    )
    offscreen = app.get("age_of_newest_figure_offscreen_s", {}).get("max")
    return {
        "engines": run.get("engines", 1),
        "containers": run["containers"],
        "terminal_size": app.get("terminal_size"),
        "rows_on_screen": app.get("rows_on_screen"),
        "app_api_total_cpu_percent": app["total_cpu_percent_of_one_core"],
        "docker_stats_total_cpu_percent": cli["total_cpu_percent_of_one_core"],
        "ratio": ratio,
        "on_screen_max_age_s": on_screen,
        "offscreen_max_age_s": offscreen,
        "met": ratio is not None
        and ratio <= TARGET_RATIO
        and on_screen is not None
        and on_screen <= TARGET_AGE_S,
    }


def app_idle(target: ways.Target, seconds: float) -> dict[str, Any]:
    """The app open with nothing of ours running or changing: its own CPU."""
    window = ways.run_app([ways.Watched(target, {})], seconds, min(2.0, seconds), "auto")
    return {
        "app_cpu_percent_of_one_core": _percent(window.own_cpu, seconds),
        "engine_cpu_percent_of_one_core": _percent(window.engine_cpu, seconds),
        "containers_followed": window.streams,
    }


def engine_target(engine: PrivateEngine) -> ways.Target:
    """A started private engine as the ways see it."""
    assert engine.process is not None
    return ways.Target(engine.url, EngineProcesses(psutil.Process(engine.process.pid)))


@contextmanager
def private_engines(count: int) -> Iterator[list[PrivateEngine]]:
    """`count` private dockerds (each in its own network namespace) with the image loaded."""
    engines: list[PrivateEngine] = []
    try:
        for _ in range(count):
            engines.append(PrivateEngine())
            engines[-1].start()
            engines[-1].load_image(IMAGE)
        yield engines
    finally:
        for engine in engines:
            engine.destroy()


def summary(run: dict[str, Any]) -> str:
    """One line per way of a run."""
    engines = f" on {run['engines']} engines" if "engines" in run else ""
    if "terminal" in run:
        engines += f" at {run['terminal']}, {run['load']}"
    parts = [
        f"{run['containers']:>4} containers{engines} "
        f"(engine bg {run['engine_background_cpu_percent']}%):"
    ]
    for name in ("api_streams", "cgroup_collector", "app_api", "app_cgroup", "docker_stats_cli"):
        if name not in run:
            continue
        way = run[name]
        age = way.get("age_of_newest_figure_s", {}).get("max", "-")
        offscreen = way.get("age_of_newest_figure_offscreen_s", {}).get("max")
        age_text = f"max age {age} s" + (f", off screen {offscreen} s" if offscreen else "")
        ratio = way["total_cpu_ratio_vs_docker_stats"]
        keys = way.get("key_press_wait_ms")
        key_text = f", key press median {keys['median']} ms max {keys['max']} ms" if keys else ""
        parts.append(
            f"{name} {way['collector_cpu_percent_of_one_core']}% + engine "
            f"{way['engine_cpu_less_background_percent']}% (x{ratio}, {age_text}{key_text})"
        )
    return "\n    ".join(parts)


def engine_and_client(stack: ExitStack, private: bool) -> tuple[ways.Target, docker.DockerClient]:
    """The engine measured (a private dockerd, or the shared one) and a client of it, both
    closed with `stack`."""
    if private:
        target = engine_target(stack.enter_context(private_engines(1))[0])
        client = docker.DockerClient(base_url=target.url, timeout=120)
    else:
        target = ways.Target(None, EngineProcesses(shared_dockerd()))
        client = docker.from_env(timeout=120)
    stack.callback(client.close)
    return target, client


def one_engine(private: bool, sizes: list[int], seconds: float, repeats: int = 1) -> dict[str, Any]:
    """The app idle, then every way at each size (the largest with `repeats`), on one engine."""
    with ExitStack() as stack:
        target, client = engine_and_client(stack, private)
        figures: dict[str, Any] = {"engine": "private dockerd" if private else "shared dockerd"}
        figures["app_idle"] = app_idle(target, seconds)
        figures["runs"] = [
            one_size(client, target, size, seconds, repeats if size == max(sizes) else 1)
            for size in sizes
        ]
    largest = max(figures["runs"], key=lambda run: run["containers"])
    figures["target"] = verdict(largest)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the engine counts asked for: 1 writes stats_overhead.json, more stats_engines.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="3 containers, 1.5 s a way")
    parser.add_argument("--sizes", default="10,50,100", help="container counts on one engine")
    parser.add_argument("--seconds", type=float, default=60.0, help="a way's window")
    parser.add_argument("--engine", choices=("private", "shared"), default="")
    parser.add_argument("--engines", default="1,3", help="engine counts to run, e.g. 1 or 3")
    parser.add_argument("--containers", type=int, default=100, help="with several engines")
    parser.add_argument(
        "--per-engine", action="store_true", help="--containers on each engine, not spread"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of the app over the API and `docker stats`"
    )
    parser.add_argument(
        "--projector", action="store_true", help="only the terminal sizes and loads (issue 26)"
    )
    parser.add_argument("--terminals", default="100x30,200x50", help="with --projector")
    parser.add_argument("--loads", default="quiet,loaded", help="with --projector")
    args = parser.parse_args(argv)
    sizes = [3] if args.smoke else [int(s) for s in args.sizes.split(",")]
    seconds = 1.5 if args.smoke else args.seconds
    count = 3 if args.smoke else args.containers
    repeats = 2 if args.smoke else args.repeats
    private = (args.engine or ("shared" if args.smoke else "private")) == "private"
    if args.projector:
        from bench.stats_projector import run_projector  # it imports this module

        return run_projector(
            private, count, args.terminals, args.loads, seconds, args.repeats, smoke=args.smoke
        )
    for engines in [int(n) for n in args.engines.split(",")]:
        if engines == 1:
            figures = one_engine(private, sizes, seconds, repeats)
            path = write_results("stats_overhead", figures, smoke=args.smoke)
            print(f"app idle: {figures['app_idle']}")
            runs = figures["runs"]
        else:
            with private_engines(engines) as started:
                run = several_engines(started, count, args.per_engine, seconds, repeats)
            figures = {
                "engine": f"{engines} private dockerds, each in its own network namespace",
                "runs": [run],
                "target": verdict(run),
            }
            path = write_results("stats_engines", figures, smoke=args.smoke)
            runs = [run]
        for run in runs:
            print(summary(run))
        print(f"target: {figures['target']}")
        print(f"-> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
