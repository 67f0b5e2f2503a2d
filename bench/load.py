"""A reproducible load on the machine for the benchmarks: a busy loop per core and held memory.

`machine_load()` starts one process per core that spins (`while True: pass`) and one that
allocates and touches MEMORY_MIB of memory and then sleeps, all at normal priority, and stops
them on leaving. A build or a lesson would load the machine too, but not the same way twice.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MEMORY_MIB = 2048
SPIN = "while True: pass"
HOLD = (
    "import sys, time\n"
    "held = bytearray({mib} * 2**20)\n"
    "for i in range(0, len(held), 4096): held[i] = 1\n"  # touch every page: resident
    "sys.stdout.write('held\\n'); sys.stdout.flush()\n"
    "time.sleep(10**6)\n"
)


def describe(name: str) -> dict[str, Any]:
    """What the load named `name` is, for the results."""
    if name == "quiet":
        return {"load": "quiet", "added": "nothing (other users of the machine may still run)"}
    return {
        "load": "loaded",
        "added": f"a busy loop per core ({os.cpu_count()}) and a process holding "
        f"{MEMORY_MIB} MiB, at normal priority",
    }


@contextmanager
def machine_load(name: str) -> Iterator[None]:
    """Nothing for "quiet"; for "loaded", the busy loops and the memory, stopped on leaving."""
    if name == "quiet":
        yield
        return
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(os.cpu_count() or 1):
            processes.append(subprocess.Popen([sys.executable, "-c", SPIN]))
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD.format(mib=MEMORY_MIB)], stdout=subprocess.PIPE
        )
        processes.append(holder)
        assert holder.stdout is not None
        if holder.stdout.readline() != b"held\n":
            raise RuntimeError("the memory holder did not start")
        yield
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait(timeout=30)
