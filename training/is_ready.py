"""Readiness without sleeping: `docker exec CONTAINER python -m training.is_ready`.

Exits 0 and prints the tarball's path once training has renamed it into place; exits 1 before.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

READY_MARKER = Path(os.environ.get("LAB_READY_MARKER", "/tmp/container-lab-ready"))


def main() -> int:
    """0 and the tarball path when the model is in place, else 1."""
    try:
        tarball = Path(READY_MARKER.read_text().strip())
    except OSError:
        print("not ready: training is still running")
        return 1
    if not tarball.is_file():
        print(f"not ready: {tarball} is missing")
        return 1
    print(tarball)
    return 0


if __name__ == "__main__":
    sys.exit(main())
