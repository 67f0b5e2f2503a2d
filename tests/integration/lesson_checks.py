"""What a lesson left running: shared by the lesson's own tests and the dashboard's."""

from __future__ import annotations

import psutil

from tui.baseline import qemu as vm


def lesson_processes(run_id: str, container_ids: list[str]) -> list[str]:
    """Command lines of this run's QEMU and of the runsc and shim processes of its containers."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        line = " ".join(proc.info["cmdline"] or [])
        if f"{vm.QEMU_TAG}-{run_id}" in line or any(cid in line for cid in container_ids):
            found.append(line[:160])
    return found
