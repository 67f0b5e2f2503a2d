"""Mutation testing of the pure modules: would the unit and tui tests notice a wrong `<`?

    uv run python -m bench.mutation            # every module in MODULES (tens of minutes)
    uv run python -m bench.mutation --smoke    # one small module, to show the lane works

mutmut (3.x) mutates each module one change at a time and runs the tests that reach the
changed function; a mutant is killed when a test fails. It runs in a copy of the project (in a
temporary folder), configured from MODULES and TESTS below, so pyproject.toml carries no mutmut
settings and the module list is this one list. The result, per module killed / survived /
equivalent / total and the score (killed over total less equivalent), goes to
bench/results/mutation.json. Survivors are listed by name: `mutmut show NAME` in the copy
prints one (`--keep` keeps the copy). Equivalent mutants (no test can tell them: the behaviour
is the same) are listed in EQUIVALENT with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.machine import write_results

ROOT = Path(__file__).resolve().parents[1]
# The pure modules under test; shape2 moves some of them: change the paths here.
MODULES = [
    "tui/views/formats.py",
    "tui/views/presentation.py",
    "tui/engine/stats/api.py",
    "tui/engine/stats/cgroup.py",
    "tui/engine/logs/query.py",
    "tui/baseline/compare.py",
    "tui/preferences.py",
]
SMOKE_MODULES = ["tui/views/formats.py"]
# The smoke's tests: the unit tests of formats.py and of the rows drawn with it. mutmut runs its
# selection twice whole (unmutated, then to learn which test reaches which function) before
# any mutant; the whole of tests/unit there took most of the smoke's time.
SMOKE_TESTS = [
    "tests/unit/test_formats.py",
    "tests/unit/test_presentation.py",
    "tests/unit/test_presentation_rows.py",
    "tests/unit/test_container_rows.py",
    "tests/unit/test_swarm_rows.py",
]
# The unit tests: each runs in milliseconds. The tui tests drive the whole app (seconds each,
# and nearly every one reaches the display formats), so a surviving mutant would cost minutes.
TESTS = ["tests/unit"]
# Checks of the source text, not of behaviour: mutmut's copy (every function behind a
# trampoline) is not the source they check, and they need uv on PATH and the git work tree.
DESELECT = [
    "tests/unit/test_layers.py",
    "tests/unit/test_no_registry_hosts.py",
    "tests/unit/test_pristine_lane.py::test_the_lane_copies_what_a_fresh_clone_has",
    "tests/unit/test_project_files.py",
    "tests/unit/test_public_apis.py",
    "tests/unit/test_readme_commands.py",
    "tests/unit/test_static_checks.py",
]
TARGET_SCORE = 80.0
# mutmut's exit codes of a mutant's test run (status_by_exit_code in mutmut/stats.py).
KILLED = {1, 3}  # a test failed, or pytest broke on the mutant
SURVIVED = {0, 5, 33}  # every test passed, or no test reaches the mutated function
TIMEOUT = {-24, 24, 36, 152, 255}  # a mutant that loops forever is as good as killed
# Mutants no test can tell from the original, by mutmut's name, with the reason. (mutmut
# numbers a function's mutants in order: a changed function renumbers its own.)
_FIRST_LINE = "/proc/stat's first line has more than 8 fields: the first 7 numbers are the same"
_ONE_READ = "kernel files here are far below 64 KiB: one read of any larger size reads the same"
EQUIVALENT: dict[str, str] = {
    "tui.baseline.compare.x_fit_count__mutmut_6": "int(a / b) and a // b agree for positive "
    "sizes below 2**53 bytes (where a float quotient could round up to a whole number)",
    "tui.baseline.compare.x_compare_all__mutmut_109": "mem_total is None exactly when mem is "
    "empty, so `and mem` and `or mem` give the same",
    "tui.engine.stats.cgroup.x__read__mutmut_11": _ONE_READ,
    "tui.engine.stats.cgroup.x__read__mutmut_12": _ONE_READ,
    "tui.engine.stats.cgroup.x_system_cpu_ns__mutmut_5": _FIRST_LINE,
    "tui.engine.stats.cgroup.x_system_cpu_ns__mutmut_6": _FIRST_LINE,
    "tui.engine.stats.cgroup.x_system_cpu_ns__mutmut_8": _FIRST_LINE,
    "tui.engine.stats.cgroup.x_system_cpu_ns__mutmut_9": _FIRST_LINE,
    "tui.engine.stats.cgroup.x__keyed__mutmut_6": "a key appears once in memory.stat and "
    "cpu.stat: find and rfind find the same line",
    "tui.engine.stats.cgroup.x__keyed__mutmut_28": "the value starts after a newline and a key, "
    "so the next newline is never at 0",
    "tui.engine.stats.cgroup.x__keyed__mutmut_29": "the value starts after a newline and a key, "
    "so the next newline is never at 0",
    "tui.engine.stats.cgroup.x__network__mutmut_6": "an interface line of /proc/net/dev has one "
    "colon",
    "tui.engine.stats.cgroup.x_read_counters__mutmut_22": "blkio lines are `MAJ:MIN Op value` "
    "or `Total value`: a line naming Read or Write always has 3 fields",
    "tui.engine.stats.cgroup.x_read_counters__mutmut_77": "an io.stat field has one `=`",
    "tui.engine.stats.cgroup.x_sample_all__mutmut_2": "without the shared reading each sample "
    "reads /proc/stat itself: the same figure, one read per container (a cost, not a result)",
    "tui.engine.stats.cgroup.x_sample_all__mutmut_8": "as x_sample_all__mutmut_2",
    "tui.engine.stats.cgroup.x_sample_all__mutmut_11": "as x_sample_all__mutmut_2",
    "tui.engine.stats.cgroup.xǁCgroupCollectorǁ_find__mutmut_1": "a known container's cgroup "
    "is found again instead of remembered: the same paths, at a cost",
    "tui.engine.stats.api.x_block_io__mutmut_16": "an entry without `op` counts as neither "
    "read nor write whatever the default (its first letter is never r or w)",
    "tui.engine.stats.api.x_block_io__mutmut_18": "as x_block_io__mutmut_16",
    "tui.engine.stats.api.x_block_io__mutmut_21": "as x_block_io__mutmut_16",
    "tui.engine.stats.api.x_cpu_percent__mutmut_69": "with no CPU used the formula gives 0.0, the "
    "same as the early return",
}
# The parts of these modules that talk to the engine (streams, requests): no unit test can
# reach them, so their mutants are counted apart, not scored. The integration tests drive them
# on the real engine (tests/integration/test_cgroup_stats.py, test_dashboard_engine.py,
# test_engine_feed.py, test_stream_faults.py).
ENGINE_BOUND = {
    "tui.engine.stats.api": ("_json_lines", "StatsStream", "stats_once"),
    "tui.engine.stats.cgroup": ("CgroupStatsStream", "open_stats"),
}


def _mutmut_settings(modules: list[str], tests: list[str]) -> str:
    select = [*tests, *(f"--deselect={path}" for path in DESELECT)]
    lines = [
        "",
        "[tool.mutmut]",
        'source_paths = ["tui"]',
        f"only_mutate = {json.dumps(modules)}",
        f"pytest_add_cli_args_test_selection = {json.dumps(select)}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "--timeout=300"]',
        'also_copy = ["training", "bench", "README.md", "Dockerfile", "compose.yaml", "lab"]',
        "use_git_change_detection = false",
    ]
    return "\n".join(lines) + "\n"


def _copy_project(target: Path, modules: list[str], tests: list[str]) -> None:
    """The tracked files (as they are in the work tree) and a pyproject.toml with the settings."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            (target / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / os.fsdecode(name))
    pyproject = target / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + _mutmut_settings(modules, tests))


def _outcomes(copy: Path) -> dict[str, int | None]:
    """Each mutant's exit code, from the .meta files mutmut writes beside the mutated copies."""
    found: dict[str, int | None] = {}
    for meta in (copy / "mutants").rglob("*.meta"):
        data = json.loads(meta.read_text())
        found.update(data.get("exit_code_by_key", {}))
    return found


def _engine_bound(mutant: str) -> bool:
    """Whether a mutant (`tui.engine.stats.x_stats_once__mutmut_3`, or with `xǁClassǁmethod`)
    is in a function or class listed in ENGINE_BOUND."""
    module, _, rest = mutant.rpartition(".")
    name = rest.removeprefix("x").strip("_ǁ").split("ǁ")[0]
    name = name.split("__mutmut_")[0]
    return any(name in (part, part.lstrip("_")) for part in ENGINE_BOUND.get(module, ()))


def _module_of(mutant: str, modules: list[str]) -> str:
    """The module of a mutant name such as `tui.views.formats.x_bytes_size__mutmut_3`."""
    dotted = {m.removesuffix(".py").replace("/", "."): m for m in modules}
    return next(m for d, m in dotted.items() if mutant.startswith(d + "."))


def summarise(outcomes: dict[str, int | None], modules: list[str]) -> dict[str, Any]:
    """Per module: killed, survived, equivalent, not run, total, score; the survivors by name."""
    per: dict[str, Counter[str]] = {m: Counter() for m in modules}
    survivors: dict[str, list[str]] = {m: [] for m in modules}
    for mutant, code in sorted(outcomes.items()):
        module = _module_of(mutant, modules)
        if mutant in EQUIVALENT:
            kind = "equivalent"
        elif _engine_bound(mutant):
            kind = "engine_bound"
        elif code in KILLED or code in TIMEOUT:
            kind = "killed"
        elif code in SURVIVED:
            kind = "survived"
            survivors[module].append(mutant)
        else:
            kind = "not_run"  # None: mutmut did not get to it (its run was stopped)
        per[module][kind] += 1
    modules_out: dict[str, dict[str, Any]] = {}
    for module, counts in per.items():
        total = sum(counts.values())
        scored = counts["killed"] + counts["survived"]
        modules_out[module] = {
            "killed": counts["killed"],
            "survived": counts["survived"],
            "equivalent": counts["equivalent"],
            "engine_bound": counts["engine_bound"],
            "not_run": counts["not_run"],
            "total": total,
            "score_percent": round(100.0 * counts["killed"] / scored, 1) if scored else None,
            "survivors": survivors[module],
        }
    killed = sum(m["killed"] for m in modules_out.values())
    scored = sum(m["killed"] + m["survived"] for m in modules_out.values())
    return {
        "modules": modules_out,
        "killed": killed,
        "scored": scored,
        "score_percent": round(100.0 * killed / scored, 1) if scored else None,
        "equivalent": {name: EQUIVALENT[name] for name in sorted(EQUIVALENT) if name in outcomes},
        "engine_bound": {module: list(names) for module, names in ENGINE_BOUND.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one small module only")
    parser.add_argument("--keep", action="store_true", help="keep the copy mutmut ran in")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    modules = SMOKE_MODULES if args.smoke else MODULES
    tests = SMOKE_TESTS if args.smoke else TESTS
    copy = Path(tempfile.mkdtemp(prefix="container-lab-mutation-"))
    started = time.monotonic()
    try:
        _copy_project(copy, modules, tests)
        command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.jobs)]
        run = subprocess.run(command, cwd=copy, capture_output=True, text=True, check=False)
        outcomes = _outcomes(copy)
        if not any(code is not None for code in outcomes.values()):
            # mutmut runs the tests once unmutated first; if they fail there (a test that
            # needs the git work tree, say) it runs no mutant and still writes its .meta files.
            print(run.stdout[-3000:] + run.stderr[-3000:], file=sys.stderr)
            print(
                f"mutation: mutmut ran none of {len(outcomes)} mutants (its output is above; "
                "a test failing on the unmutated copy belongs in DESELECT)",
                file=sys.stderr,
            )
            return 1
        summary = summarise(outcomes, modules)
    finally:
        if args.keep:
            print(f"mutation: mutmut's copy is kept in {copy}", file=sys.stderr)
        else:
            shutil.rmtree(copy, ignore_errors=True)
    figures = {
        "command": "uv run python -m bench.mutation" + (" --smoke" if args.smoke else ""),
        "tool": "mutmut " + _mutmut_version(),
        "tests": tests,
        "deselected": DESELECT,
        "target_score_percent": TARGET_SCORE,
        "seconds": round(time.monotonic() - started, 1),
        **summary,
    }
    path = write_results("mutation", figures, smoke=args.smoke)
    for module, counts in summary["modules"].items():
        print(
            f"{module}: {counts['killed']} killed, {counts['survived']} survived, "
            f"{counts['equivalent']} equivalent of {counts['total']} "
            f"({counts['score_percent']} %)"
        )
    print(f"mutation score {summary['score_percent']} % (target {TARGET_SCORE} %) -> {path}")
    return 0


def _mutmut_version() -> str:
    from importlib.metadata import version

    return version("mutmut")


if __name__ == "__main__":
    raise SystemExit(main())
