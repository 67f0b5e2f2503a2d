"""Reading the training container's progress lines (one JSON object per line)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Progress:
    """One progress record: stage, fraction done, a message, and what else the line carried."""

    stage: str
    progress: float
    message: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def tarball(self) -> str | None:
        """The final tarball's path, on the `done` line."""
        value = self.fields.get("tarball")
        return str(value) if value else None

    @property
    def metrics(self) -> dict[str, float]:
        """Held-out metrics, when the line has them."""
        value = self.fields.get("metrics")
        return dict(value) if isinstance(value, dict) else {}


def parse_progress(line: str) -> Progress | None:
    """The progress record on `line`, or None when it is plain text."""
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    if not isinstance(record, dict) or "stage" not in record:
        return None
    try:
        fraction = float(record.get("progress", 0.0))
    except (TypeError, ValueError):
        fraction = 0.0
    extra = {k: v for k, v in record.items() if k not in ("stage", "progress", "message")}
    return Progress(str(record["stage"]), fraction, str(record.get("message", "")), extra)
