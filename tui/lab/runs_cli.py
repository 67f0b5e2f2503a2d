"""`container-lab runs`: the run history in the shell, and two runs side by side."""

from __future__ import annotations

import sys

from tui.errors import LabError
from tui.lab.run_report import compare_text, history_text, resolve
from tui.lab.runs import load_records, runs_dir
from tui.paths import lab_paths


def runs_from_cli(compare: list[str] | None = None, *, only_differences: bool = False) -> int:
    """List the runs (or compare two); unreadable records are named on stderr and skipped."""
    paths = lab_paths()
    records, problems = load_records(paths)
    for problem in problems:
        print(f"container-lab: {problem}", file=sys.stderr)
    if compare:
        if len(records) < 2:
            raise LabError(f"the run history ({runs_dir(paths)}) holds {len(records)} runs")
        a, b = (resolve(records, ref) for ref in compare)
        print(compare_text(a, b, only_differences=only_differences))
        return 0
    if not records:
        print(f"no runs yet in {runs_dir(paths)}: `./lab train` adds one")
        return 0
    print(history_text(records))
    return 0
