"""Leftovers of earlier lessons: their containers (by label) and orphaned QEMUs (by -name).

Each lesson marks what it starts with its owner, the process running it (pid and start time,
as the dashboard does); a lesson whose owner still runs is never a leftover.
"""

from __future__ import annotations

import contextlib
import itertools

import psutil

from tui.baseline import qemu as vm
from tui.engine.client import EngineClient
from tui.engine.errors import EngineError
from tui.engine.handles import labelled_containers

LESSON_LABEL = "org.container-lab.lesson"
OWNER_LABEL = "org.container-lab.lesson.owner"  # pid-start time of the process running it


def owner() -> str:
    """This process as a lesson's owner: pid-start time (a reused pid does not match)."""
    me = psutil.Process()
    return f"{me.pid}-{int(me.create_time())}"


def owner_alive(value: str) -> bool:
    """Whether the process that ran a lesson (pid-start time) still runs (not a reused pid)."""
    pid, _, started = value.partition("-")
    try:
        return int(psutil.Process(int(pid)).create_time()) == int(started)
    except (ValueError, psutil.Error):
        return False


def _orphaned(cmdline: list[str]) -> bool:
    """A QEMU of ours whose lesson's process is gone (its -name ends with the owner)."""
    name = next((v for f, v in itertools.pairwise(cmdline) if f == "-name"), "")
    head, _, started = name.rpartition("-")
    pid = head.rpartition("-")[2]
    return not owner_alive(f"{pid}-{started}")


def cleanup_leftovers(client: EngineClient, labels: dict[str, str] | None = None) -> int:
    """Remove containers of earlier lessons and kill orphaned QEMUs of ours; return how many.

    A lesson whose process still runs (another dashboard, a test) is not a leftover and is left
    alone. With `labels`, only lesson containers that also carry these labels are removed.
    """
    count = 0
    wanted = [LESSON_LABEL, *(f"{k}={v}" for k, v in (labels or {}).items())]
    for container in labelled_containers(client, wanted):
        if owner_alive(container.labels.get(OWNER_LABEL, "")):
            continue
        with contextlib.suppress(EngineError):
            container.remove()
            count += 1
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        ours = any(arg.startswith(vm.QEMU_TAG) for arg in cmdline)
        if ours and cmdline and cmdline[0].endswith(vm.QEMU_BINARY) and _orphaned(cmdline):
            with contextlib.suppress(psutil.Error):
                proc.kill()
                count += 1
    return count
