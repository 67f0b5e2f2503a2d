"""Benchmark: the orchestration lesson's measured times on a real 3-node Swarm of this machine.

Each run of tui/cluster/lesson.py measures: deploying 3 replicas, replacing a killed task,
noticing a node whose engine stopped, rescheduling its tasks, draining a node, and a rolling
update v1 -> v2 (one task at a time). The full run makes its own cluster, runs the lesson
`--runs` times and reports each step's median; `--smoke` runs the steps that stop nothing
(deploy, replace, update) once. `--cluster NAME` uses a cluster that is up already (the test
suite's) instead of making one.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import docker

from bench.machine import write_results
from tui.cluster.lesson import STEP_TITLES, STEPS, OrchestrationLesson, StepResult
from tui.cluster.plan import ClusterState, find_cluster
from tui.cluster.provision import BASE_IMAGE, cluster_down, cluster_up

SMOKE_STEPS = ("deploy", "replace", "update")
SHM = Path("/dev/shm")


def run_lesson(state: ClusterState, smoke: bool) -> dict[str, StepResult]:
    """One run of the lesson (the smoke run: only the steps that stop nothing)."""
    lesson = OrchestrationLesson(state)
    try:
        if not smoke:
            return lesson.run()
        lesson.run_steps(SMOKE_STEPS)
        return dict(lesson.results)
    finally:
        lesson.stop()


def figures_of(runs: list[dict[str, StepResult]], state: ClusterState) -> dict[str, Any]:
    """Each step's times over the runs, its median, and what the last run said of it."""
    steps: dict[str, Any] = {}
    for key in STEPS:
        measured = [run[key].seconds for run in runs if key in run]
        times = [round(s, 2) for s in measured if s is not None]
        if not measured:
            continue
        steps[key] = {
            "title": STEP_TITLES[key],
            "seconds_each_run": times,
            "median_seconds": round(statistics.median(times), 2) if times else None,
            "runs_timed_out": sum(1 for s in measured if s is None),
            "note": next(run[key].note for run in reversed(runs) if key in run),
        }
    return {
        "nodes": len(state.nodes),
        "heartbeat_seconds": state.heartbeat_seconds,
        "runs": len(runs),
        "steps": steps,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the lesson, write bench/results/cluster.json (or cluster.smoke.json)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="deploy, replace and update, once")
    parser.add_argument("--runs", type=int, default=3, help="lessons in the full run")
    parser.add_argument("--cluster", help="a cluster that is up already (its name)")
    args = parser.parse_args(argv)
    timings: dict[str, float] = {}
    if args.cluster:
        state = find_cluster(args.cluster)
        if state is None:
            parser.error(f"no cluster named {args.cluster} is up")
    else:
        # Its own folder and context store; on tmpfs, where removing the nodes' layers is quick.
        base = Path(tempfile.mkdtemp(prefix="clb-", dir="/dev/shm" if SHM.is_dir() else None))
        main_engine = docker.from_env(timeout=600)
        started = time.monotonic()
        state = cluster_up(
            main_engine,
            f"b{uuid.uuid4().hex[:8]}",
            3,
            [BASE_IMAGE],
            docker_config=base / "docker",
            base=base,
        )
        timings["cluster_up_seconds"] = round(time.monotonic() - started, 1)
        main_engine.close()
    try:
        runs = [run_lesson(state, args.smoke) for _ in range(1 if args.smoke else args.runs)]
    finally:
        if not args.cluster:
            started = time.monotonic()
            left = cluster_down(state)
            timings["cluster_down_seconds"] = round(time.monotonic() - started, 1)
            if left:
                print(f"left behind: {', '.join(left)}")
            else:
                shutil.rmtree(base, ignore_errors=True)
    figures = {**figures_of(runs, state), **timings, "own_cluster": not args.cluster}
    path = write_results("cluster", figures, smoke=args.smoke)
    for step in figures["steps"].values():
        print(f"{step['title']:<26} median {step['median_seconds']} s  {step['seconds_each_run']}")
    print(f"-> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
