"""The run history: one JSON file per training run in runs/ beside models/, no server.

Beside models/, not in it: models/ holds models only, so a failed or cancelled run still
leaves nothing there.

Every run that `container-lab train`, `reproduce` or the dashboard starts leaves a record:
when, how long, on which engine and runtime, how it ended, the metrics, the model digest and
the whole provenance, and, for a reproduction, which model it retrained and the digest it had
to give. Files are created with explicit modes (folder 755, files 644, whatever the umask),
never through a link, and never rewritten: whether a model was reproduced is worked out from
the later records that name it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from tui.lab.files import make_folder, write_new
from tui.paths import LabPaths

RUNS_FOLDER = "runs"
FOLDER_MODE = 0o755
FILE_MODE = 0o644
RECORD_CAP = 4 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class RunRecord:
    """One training run as the history keeps it."""

    run_id: str
    started_at: str  # ISO 8601, UTC
    seconds: float
    engine: str  # "docker 20.10.24"
    runtime: str
    status: str  # "ok", "failed" or "cancelled"
    exit_code: int | None = None
    model: str = ""  # the tarball's file name
    metrics: dict[str, float] = field(default_factory=dict)
    digest: str = ""
    reproduces: str = ""  # the model this run retrained, when it was a reproduction
    expected_digest: str = ""
    provenance: dict[str, Any] | None = None

    @property
    def identical(self) -> bool | None:
        """For a reproduction: whether it gave the digest it had to; None for other runs."""
        if not self.reproduces:
            return None
        return self.status == "ok" and bool(self.digest) and self.digest == self.expected_digest


def runs_dir(paths: LabPaths) -> Path:
    """runs/, beside models/."""
    return paths.models.parent / RUNS_FOLDER


def record_file_name(record: RunRecord) -> str:
    """`<start, compact>-<run id>.json`: sorts by time."""
    stamp = re.sub(r"[^0-9T]", "", record.started_at.split("+")[0])[:15]
    return f"{stamp}Z-{_UNSAFE.sub('', record.run_id)[:32] or 'run'}.json"


def write_record(paths: LabPaths, record: RunRecord) -> Path:
    """Add `record` to the history; its file's path."""
    folder = runs_dir(paths)
    make_folder(folder, FOLDER_MODE, exist_ok=True)
    if folder.is_symlink() or not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    target = folder / record_file_name(record)
    write_new(target, (json.dumps(asdict(record), sort_keys=True) + "\n").encode(), FILE_MODE)
    return target


def parse_record(text: str) -> RunRecord:
    """A record from its JSON (ValueError when it is not one)."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    known = {f.name for f in fields(RunRecord)}
    values = {k: v for k, v in data.items() if k in known}
    try:
        record = RunRecord(**values)
    except TypeError as exc:
        raise ValueError(str(exc)) from exc
    if not isinstance(record.run_id, str) or not isinstance(record.started_at, str):
        raise ValueError("run_id and started_at must be text")
    if not isinstance(record.metrics, dict) or not isinstance(record.seconds, int | float):
        raise ValueError("metrics must be an object and seconds a number")
    return record


def load_records(paths: LabPaths) -> tuple[list[RunRecord], list[str]]:
    """Every run in the history, oldest first, and one line per file that could not be read."""
    folder = runs_dir(paths)
    records: list[RunRecord] = []
    problems: list[str] = []
    if not folder.is_dir():
        return records, problems
    for path in sorted(folder.glob("*.json")):
        try:
            if path.is_symlink() or path.stat().st_size > RECORD_CAP:
                raise ValueError("a link or too large")
            records.append(parse_record(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name} skipped: {exc}")
    return sorted(records, key=lambda r: (r.started_at, r.run_id)), problems


def reproduction_of(model: str, records: list[RunRecord]) -> bool | None:
    """Whether a later run reproduced `model` (True), only failed to (False), or none tried."""
    tries = [r.identical for r in records if model and r.reproduces == model]
    if not tries:
        return None
    return any(tries)
