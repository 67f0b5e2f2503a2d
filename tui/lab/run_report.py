"""The run history as rows, and two runs side by side: one report for the shell and the dashboard.

Pure functions over RunRecords (no engine, no Textual): `./lab runs` prints them as text, the
Training tab shows the same rows and fields in its tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tui.errors import LabError
from tui.lab.runs import RunRecord, reproduction_of

# What reproducibility asks first (digest, reproduced) comes first: at 100 columns the table
# scrolls sideways past the engine and the model's name, not past the answer.
COLUMNS = (
    ("number", "#"),
    ("when", "Started (UTC)"),
    ("digest", "Digest"),
    ("reproduced", "Reproduced"),
    ("accuracy", "Accuracy"),
    ("macro_f1", "Macro-F1"),
    ("took", "Took"),
    ("where", "Engine/runtime"),
    ("model", "Model"),
)
# Fields that differ between any two runs, however reproducible: not counted as differences.
PER_RUN = frozenset({"run id", "started", "took", "model", "started_at", "finished_at", "run_id"})


@dataclass(frozen=True)
class CompareRow:
    """One field of two runs: its name, both values, and whether they differ."""

    field: str
    a: str
    b: str

    @property
    def differs(self) -> bool:
        """Whether the two values differ."""
        return self.a != self.b


def _when(started_at: str) -> str:
    return started_at.replace("T", " ")[:19]


def _metric(record: RunRecord, name: str) -> str:
    value = record.metrics.get(name)
    return f"{value:.4f}" if isinstance(value, int | float) else "-"


def reproduced_cell(record: RunRecord, records: list[RunRecord]) -> str:
    """`repro ok` / `repro differs` for a reproduction; `yes`, `no` or `-` for a model."""
    if record.reproduces:
        return "repro ok" if record.identical else "repro differs"
    found = reproduction_of(record.model, records)
    return "-" if found is None else "yes" if found else "no"


def history_rows(records: list[RunRecord]) -> list[dict[str, str]]:
    """One row per run, oldest first, keyed by COLUMNS (and `run_id`)."""
    rows = []
    for number, record in enumerate(records, 1):
        status = "" if record.status == "ok" else f" ({record.status})"
        rows.append(
            {
                "run_id": record.run_id,
                "number": str(number),
                "when": _when(record.started_at),
                "took": f"{record.seconds:.0f} s",
                "where": f"{record.engine.split(' ')[0]}/{record.runtime or '?'}",
                "accuracy": _metric(record, "accuracy"),
                "macro_f1": _metric(record, "macro_f1"),
                "digest": record.digest[:12] or "-",
                "reproduced": reproduced_cell(record, records),
                "model": (record.model or "no model") + status,
            }
        )
    return rows


def resolve(records: list[RunRecord], ref: str) -> RunRecord:
    """The run `ref` names: its number as listed, a run id (or its start), or a model name."""
    if ref.isdigit() and 1 <= int(ref) <= len(records):
        return records[int(ref) - 1]
    found = [r for r in records if ref and (r.run_id.startswith(ref) or r.model == ref)]
    if len(found) != 1:
        what = "no run in the history matches" if not found else f"{len(found)} runs match"
        raise LabError(
            f"{what} {ref!r}: give a number from `container-lab runs`, "
            "a run id or a model file name."
        )
    return found[0]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Nested objects as `a.b.c` fields (lists of objects by index), leaves as text."""
    if isinstance(value, Mapping) and value:
        found: dict[str, str] = {}
        for key, item in value.items():
            found.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return found
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        found = {}
        for index, item in enumerate(value):
            found.update(flatten(item, f"{prefix}[{index}]"))
        return found
    return {prefix: _text(value)}


def run_fields(record: RunRecord) -> dict[str, str]:
    """A run as named fields: what the history says, then its provenance, flattened."""
    fields = {
        "model": record.model or "-",
        "run id": record.run_id,
        "started": _when(record.started_at),
        "took": f"{record.seconds:.1f} s",
        "status": record.status + (f" (exit {record.exit_code})" if record.exit_code else ""),
        "engine": record.engine,
        "runtime": record.runtime,
        "digest": record.digest or "-",
        **{f"metrics.{k}": _text(v) for k, v in sorted(record.metrics.items())},
    }
    if record.reproduces:
        fields["reproduces"] = record.reproduces
    provenance = dict(record.provenance or {})
    for drop in ("metrics", "digest", "format", "run_id"):  # shown above, or the same always
        provenance.pop(drop, None)
    fields.update(flatten(provenance))
    return fields


def compare(a: RunRecord, b: RunRecord) -> list[CompareRow]:
    """Every field of either run, in the first run's order, with both values."""
    left, right = run_fields(a), run_fields(b)
    names = list(left) + [name for name in right if name not in left]
    return [CompareRow(name, left.get(name, "-"), right.get(name, "-")) for name in names]


def provenance_differences(
    a: Mapping[str, Any], b: Mapping[str, Any], ignore: Iterable[str] = PER_RUN
) -> list[str]:
    """The flattened provenance fields that differ, those that always differ left out."""
    left, right = flatten(dict(a)), flatten(dict(b))
    skipped = set(ignore)
    return [
        name
        for name in sorted(set(left) | set(right))
        if name.split(".")[0] not in skipped and left.get(name) != right.get(name)
    ]


def table(rows: list[list[str]], widths: list[int]) -> str:
    """Rows as text columns of at most these widths (longer cells cut with `…`)."""
    lines = []
    for row in rows:
        cells = [
            cell if len(cell) <= width else cell[: max(width - 1, 0)] + "…"
            for cell, width in zip(row, widths, strict=True)
        ]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return "\n".join(lines)


def history_text(records: list[RunRecord]) -> str:
    """`container-lab runs`: a header and one line per run."""
    rows = history_rows(records)
    grid = [[label for _, label in COLUMNS]] + [[row[key] for key, _ in COLUMNS] for row in rows]
    widths = [max(len(r[i]) for r in grid) for i in range(len(COLUMNS))]
    return table(grid, widths)


def compare_text(a: RunRecord, b: RunRecord, *, only_differences: bool = False) -> str:
    """`container-lab runs --compare A B`: the fields side by side, `≠` where they differ."""
    rows = [r for r in compare(a, b) if r.differs or not only_differences]
    grid = [["", "field", "A", "B"]] + [["≠" if r.differs else "", r.field, r.a, r.b] for r in rows]
    counted = [r for r in rows if r.differs and r.field not in PER_RUN]
    widths = [1, max(len(r[1]) for r in grid), 40, 40]
    summary = f"{len(counted)} fields differ besides the run's own id, times and model file"
    return table(grid, widths) + "\n" + summary
