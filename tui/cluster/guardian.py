"""The orchestration lesson's guardian (tui/guardian.py): if the dashboard running the lesson is
killed, it starts a node's engine the lesson stopped, makes a node it drained active again and
removes its service, as `x` would; then the lab's viewers read that it was undone.

    python -m tui.cluster.guardian STATE_FILE [LAB_FOLDER]

(started by the lesson: `ClusterGuardian` in tui/cluster/lesson.py).

The lesson tells it, one line each: `stopped HOSTNAME`, `started HOSTNAME`, `drained NODE_ID
HOSTNAME`, `active`, and `done` once `stop()` has undone everything.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tui.cluster.lesson import SERVICE, OrchestrationLesson
from tui.cluster.plan import ClusterState
from tui.guardian import told


def undo(state_file: Path, lines: list[str]) -> str:
    """Undo what the lines say the lesson changed, and remove its service; what was done."""
    state = ClusterState.load(state_file)
    lesson = OrchestrationLesson(state)
    stopped, drained = "", ""
    for line in lines:
        word, _, rest = line.partition(" ")
        stopped = rest if word == "stopped" else "" if word == "started" else stopped
        drained = rest if word == "drained" else "" if word == "active" else drained
    lesson.stopped_node = next((n for n in state.nodes if n.hostname == stopped), None)
    lesson.drained_node, _, lesson.drained_name = drained.partition(" ")
    done = [f"removed {SERVICE}"]
    done += [f"started {stopped}'s engine again"] if lesson.stopped_node else []
    done += [f"made {lesson.drained_name} active again"] if drained else []
    lesson.stop()
    return ", ".join(done)


def main(argv: list[str]) -> int:
    """Wait for the lesson's word; undo what it changed when it never comes."""
    lines = told()
    if lines is None:
        return 0
    said = undo(Path(argv[0]), lines)
    if len(argv) > 1:
        from tui.cluster.broadcast import orchestration_state, undone
        from tui.paths import LabPaths

        paths = LabPaths(Path(argv[1]))
        undone(paths, orchestration_state(paths), said)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
