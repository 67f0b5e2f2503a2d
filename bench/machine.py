"""What a benchmark ran on, and where its figures go."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

RESULTS = Path(__file__).resolve().parent / "results"
RESULTS_ENV = "LAB_BENCH_RESULTS"  # another folder for the results (bench.check's fresh runs)


def describe_machine() -> dict[str, Any]:
    """CPU model, cores, memory, kernel and Docker versions."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    docker_version = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpu_model": model,
        "cores": psutil.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "docker_server": docker_version,
    }


def write_results(name: str, figures: dict[str, Any], *, smoke: bool) -> Path:
    """Write the figures with the machine and the date; smoke runs go to a separate file."""
    folder = Path(os.environ.get(RESULTS_ENV) or RESULTS)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (f"{name}.smoke.json" if smoke else f"{name}.json")
    record = {
        "benchmark": name,
        "smoke": smoke,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine_load_1m_5m_15m_at_end": [round(load, 2) for load in os.getloadavg()],
        "machine": describe_machine(),
        **figures,
    }
    target.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return target
