"""Compare a fresh benchmark run with the committed results; name every figure worse by > 20 %.

`python -m bench.check stats_projector startup` runs those benchmarks (their full runs; the
results go to a temporary folder, bench/results/ is left as committed) and compares each JSON with
the committed one. `--fresh DIR` compares the results already in DIR instead of running anything
(`python -m bench --check` is the same command). A benchmark tool for a person at a quiet
machine, not a timed test: the exit status is 1 when a figure got worse, 0 otherwise.

Which way is worse comes from the figure's name (FIGURE_RULES): CPU, times, ages, memory and
ratios against a peer are worse higher; rates, speed-ups and scores are worse lower. Anything
else (counts, window lengths, the machine, load averages) is context, not compared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.machine import RESULTS, RESULTS_ENV

WORSE_BY = 0.20
HIGHER_IS_BETTER = +1
LOWER_IS_BETTER = -1
# First match wins; matched against the figure's path, e.g. "runs.0.app_api.rss_mib.max".
FIGURE_RULES: list[tuple[str, int | None]] = [
    (r"(^|\.)(machine|machine_load_1m|date|smoke|benchmark)(\.|$)", None),
    (r"(^|\.)(target|targets)\.", None),  # verdicts repeat the figures compared elsewhere
    (r"each_run|(^|\.)all\.|(^|\.)seconds$|per_engine", None),  # single runs; window lengths
    (r"(^|\.)(presses|trials|lines|rounds|runs)$", None),  # counts
    (r"per_second|per_s$|speedup|score|killed|kept_up|naive_vs_ours|sleep_loop_vs_events", +1),
    (r"cpu|_ms(\.|$)|mib|_mb(\.|$)|_s(\.|$)|seconds|ratio|age_of", -1),
]
IDENTITY = ("engines", "containers", "terminal", "load")  # what names a run in a list
# Which benchmark writes which results file, and how to run it fully.
COMMANDS: dict[str, list[str]] = {
    "stats_overhead": ["bench.stats_overhead", "--engines", "1"],
    "stats_engines": ["bench.stats_overhead", "--engines", "3"],
    "stats_projector": ["bench.stats_overhead", "--projector"],
}


@dataclass(frozen=True)
class Worse:
    """One figure worse than committed by more than WORSE_BY."""

    benchmark: str
    figure: str
    committed: float
    fresh: float

    def __str__(self) -> str:
        change = (
            f"{(self.fresh - self.committed) / abs(self.committed):+.0%}"
            if self.committed
            else "from 0"
        )
        return f"{self.benchmark}: {self.figure} {self.committed} -> {self.fresh} ({change})"


def direction(path: str) -> int | None:
    """+1 when a higher figure is better, -1 when lower is, None when it is not a figure."""
    for pattern, way in FIGURE_RULES:
        if re.search(pattern, path):
            return way
    return None


def figures(data: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    """Every number in a results JSON with its dotted path (booleans are verdicts, skipped)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from figures(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from figures(value, f"{prefix}.{_label(value, index)}")
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield prefix, float(data)


def _label(item: Any, index: int) -> str:
    """A run in a list by what it measured (e.g. "[100 200x50 quiet]"), else by its place.

    A fresh run of fewer sizes or loads than the committed one must meet the same runs.
    """
    if isinstance(item, dict):
        named = [str(item[key]) for key in IDENTITY if key in item]
        if named:
            return f"[{' '.join(named)}]"
    return str(index)


def compare(benchmark: str, committed: Any, fresh: Any) -> tuple[list[Worse], int]:
    """The figures of `fresh` worse than `committed` by more than WORSE_BY; how many compared."""
    old = dict(figures(committed))
    worse, compared = [], 0
    for path, value in figures(fresh):
        way = direction(path)
        if way is None or path not in old:
            continue
        compared += 1
        before = old[path]
        if way == LOWER_IS_BETTER:
            bad = value > before * (1 + WORSE_BY) if before > 0 else value > before
        else:
            bad = value < before * (1 - WORSE_BY)
        if bad:
            worse.append(Worse(benchmark, path, before, value))
    return worse, compared


def run_fresh(names: list[str], folder: Path) -> None:
    """Run each benchmark fully, its results written to `folder`."""
    environment = {**os.environ, RESULTS_ENV: str(folder)}
    for name in names:
        command = [sys.executable, "-m", *COMMANDS.get(name, [f"bench.{name}"])]
        print(f"running {' '.join(command[2:])}", flush=True)
        subprocess.run(command, env=environment, check=True)


def check(names: list[str], fresh: Path, committed: Path = RESULTS) -> int:
    """Compare each named results file in `fresh` with `committed`; print the verdict."""
    all_worse: list[Worse] = []
    for name in names:
        mine, theirs = fresh / f"{name}.json", committed / f"{name}.json"
        if not theirs.exists() or not mine.exists():
            print(f"{name}: no {'committed' if not theirs.exists() else 'fresh'} results")
            all_worse.append(Worse(name, "(missing results)", 0.0, 0.0))
            continue
        worse, compared = compare(
            name, json.loads(theirs.read_text()), json.loads(mine.read_text())
        )
        print(f"{name}: {compared} figures compared, {len(worse)} worse by more than 20 %")
        all_worse += worse
    for item in all_worse:
        print(f"  worse: {item}")
    return 1 if all_worse else 0


def main(argv: list[str] | None = None) -> int:
    """Run (or take from --fresh) the named benchmarks and compare with the committed results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="results names (default: every committed one)")
    parser.add_argument("--fresh", type=Path, help="a folder of results to compare, not run")
    args = parser.parse_args(argv)
    committed = sorted(p.stem for p in RESULTS.glob("*.json") if not p.stem.endswith(".smoke"))
    names = args.names or committed
    unknown = sorted(set(names) - set(committed))
    if unknown:
        print(f"no committed results for {', '.join(unknown)}: pick from {', '.join(committed)}")
        return 2
    if args.fresh:
        return check(names, args.fresh)
    with tempfile.TemporaryDirectory(prefix="cl-bench-check-") as folder:
        run_fresh(names, Path(folder))
        return check(names, Path(folder))


if __name__ == "__main__":
    raise SystemExit(main())
