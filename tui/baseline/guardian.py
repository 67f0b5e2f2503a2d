"""A lesson's guardian: a small process that removes the lesson's units if its runner is killed.

A dashboard killed with SIGKILL runs no code of its own: its QEMU dies with it (a parent-death
signal), but its two containers would idle on until another dashboard cleaned up, and a class
watching read-only changes nothing. So `Lesson.run` starts this process in a session of its own
(a terminal's hang-up or Ctrl+C does not reach it) with a pipe on its stdin. The lesson says
`done` on the pipe once its units are stopped; a pipe that closes without it means the runner
died, and the guardian removes the run's containers (by its label) and any QEMU of the run.

    python -m tui.baseline.guardian RUN_ID [ENGINE_URL]
"""

from __future__ import annotations

import contextlib
import sys

from tui.guardian import PipeGuardian, told


class Guardian(PipeGuardian):
    """The runner's end of the pipe (tui/guardian.py)."""

    def __init__(self, run_id: str, engine_url: str | None = None) -> None:
        """Start the guardian of `run_id` (its containers are on `engine_url`, or the default)."""
        super().__init__("tui.baseline.guardian", run_id, *([engine_url] if engine_url else []))


def remove_units(run_id: str, engine_url: str | None) -> int:
    """Remove the run's containers and kill its QEMU; how many were found."""
    import psutil

    from tui.baseline import qemu as vm
    from tui.baseline.leftovers import LESSON_LABEL
    from tui.engine.client import connect
    from tui.engine.errors import EngineError
    from tui.engine.handles import labelled_containers

    count = 0
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if any(arg.startswith(f"{vm.QEMU_TAG}-{run_id}-") for arg in cmdline):
            with contextlib.suppress(psutil.Error):
                proc.kill()
                count += 1
    client = connect(engine_url, timeout=60)
    try:
        for container in labelled_containers(client, f"{LESSON_LABEL}={run_id}"):
            with contextlib.suppress(EngineError):
                container.remove()
                count += 1
    finally:
        client.close()
    return count


def main(argv: list[str]) -> int:
    """Wait for the runner's word; clean up when it never comes."""
    run_id, engine_url = argv[0], (argv[1] if len(argv) > 1 else None)
    if told() is not None:  # the pipe closed without `done`: the runner died
        remove_units(run_id, engine_url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
