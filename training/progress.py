"""Progress a program can follow: one JSON object per line on stdout."""

from __future__ import annotations

import json
import sys
from typing import Any


def emit(stage: str, progress: float, message: str, **fields: Any) -> None:
    """Print one progress line: stage, progress (0 to 1), a readable message, and extra fields."""
    record = {"stage": stage, "progress": round(progress, 3), "message": message, **fields}
    sys.stdout.write(json.dumps(record, sort_keys=True) + "\n")
    sys.stdout.flush()
