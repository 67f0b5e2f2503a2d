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
import subprocess
import sys

DONE = b"done\n"


class Guardian:
    """The runner's end of the pipe."""

    def __init__(self, run_id: str, engine_url: str | None = None) -> None:
        """Start the guardian of `run_id` (its containers are on `engine_url`, or the default)."""
        argv = [sys.executable, "-m", "tui.baseline.guardian", run_id]
        self.process = subprocess.Popen(
            [*argv, engine_url] if engine_url else argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # not in the terminal's process group: it outlives a ^C
            close_fds=True,  # it must not hold the lesson's claim (tui/published.py) open
        )

    def done(self) -> None:
        """The units are stopped: the guardian leaves without doing anything (idempotent)."""
        stdin = self.process.stdin
        if stdin is not None and not stdin.closed:
            with contextlib.suppress(OSError, ValueError):
                stdin.write(DONE)
                stdin.flush()
            with contextlib.suppress(OSError):
                stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


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
    import signal

    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)  # only the pipe's end stops it
    run_id, engine_url = argv[0], (argv[1] if len(argv) > 1 else None)
    said = sys.stdin.buffer.read()  # until the runner closes it, or dies
    if said.startswith(DONE):
        return 0
    remove_units(run_id, engine_url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
