"""Benchmark 5: how soon the tarball's rename into models/ is noticed.

Filesystem events (TarballWatcher, what `train` and the dashboard use) against the seeds' warning:
a one-second sleep-and-check loop. Both watch the same renames, made at random moments.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.machine import write_results
from tui.lab.watch import TarballWatcher


def _sleep_loop_notice(
    folder: Path, name: str, stop: threading.Event, seen: dict[str, float]
) -> None:
    while not stop.is_set():
        if (folder / name).exists():
            seen["sleep_loop"] = time.monotonic()
            return
        time.sleep(1.0)  # the pattern being measured, not one we use


def one_trial(folder: Path, index: int, rng: random.Random) -> dict[str, float]:
    """Rename one tarball into `folder` at a random moment; return both delays in ms."""
    name = f"sports-classifier-{index:04d}.tar.gz"
    partial = folder / f".{name}.partial"
    partial.write_bytes(os.urandom(4096))
    seen: dict[str, float] = {}
    stop = threading.Event()
    with TarballWatcher(folder) as watcher:
        looper = threading.Thread(target=_sleep_loop_notice, args=(folder, name, stop, seen))
        looper.start()
        time.sleep(rng.uniform(0.05, 1.0))
        renamed = time.monotonic()
        os.replace(partial, folder / name)
        found = watcher.wait(timeout=5)
        seen["events"] = time.monotonic()
        looper.join(timeout=3)
        stop.set()
    assert found is not None and found.name == name
    return {kind: (moment - renamed) * 1000 for kind, moment in seen.items()}


def main(argv: list[str] | None = None) -> int:
    """Run the trials and write bench/results/readiness.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a few trials only")
    parser.add_argument("--trials", type=int, default=30)
    args = parser.parse_args(argv)
    trials = 3 if args.smoke else args.trials
    rng = random.Random(5)
    delays: dict[str, list[float]] = {"events": [], "sleep_loop": []}
    with tempfile.TemporaryDirectory(prefix="bench-readiness-") as tmp:
        for index in range(trials):
            for kind, ms in one_trial(Path(tmp), index, rng).items():
                delays[kind].append(ms)
    summary = {
        kind: {
            "median_ms": round(statistics.median(values), 3),
            "max_ms": round(max(values), 3),
            "mean_ms": round(statistics.fmean(values), 3),
        }
        for kind, values in delays.items()
    }
    ratio = summary["sleep_loop"]["median_ms"] / max(summary["events"]["median_ms"], 1e-6)
    figures = {
        "trials": trials,
        "delays": summary,
        "median_ratio_sleep_loop_vs_events": round(ratio, 1),
    }
    path = write_results("readiness", figures, smoke=args.smoke)
    print(
        f"readiness: events median {summary['events']['median_ms']:.2f} ms, "
        f"sleep loop median {summary['sleep_loop']['median_ms']:.0f} ms "
        f"({ratio:.0f}x slower) over {trials} renames -> {path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
