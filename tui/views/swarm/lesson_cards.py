"""The orchestration lesson's pieces on screen: a column per node with the tasks it runs, a
card per measured time in large digits, and each step's line (pure functions and widgets that
only draw what they are handed).

Each node keeps one colour everywhere (classes node-1, node-2, node-3, cycling for more nodes),
as the VM lesson keeps one per kind.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits, Label, Static

from tui.cluster.broadcast import NodeSeen, OrchestrationState, TaskSeen, Watched
from tui.cluster.lesson import SERVICE, STEP_TITLES, STEPS, StepResult
from tui.views.colours import BAD
from tui.views.swarm.rows import plain

CARD_STEPS = ("replace", "notice", "reschedule", "update")
CARD_WORDS = {
    "replace": "s to replace a killed task",
    "notice": "s to notice a node down",
    "reschedule": "s to reschedule its tasks",
    "update": "s for the rolling update",
}
COLOURS = 3  # node-1, node-2, node-3, then again


def node_class(index: int) -> str:
    """The colour class of the node-`index` (1-based)."""
    return f"node-{(index - 1) % COLOURS + 1}"


def heartbeat_note(heartbeat: float) -> str:
    """What the lesson changed from Swarm's defaults, said on screen."""
    return (
        f"Dispatcher heartbeat lowered to {heartbeat:g} s for the lesson (Swarm's default: 5 s, "
        "a node is then noticed down ~16 s after it stops). Restart delay: Swarm's 5 s. "
        "Update: one task at a time, the new one started beside the old."
    )


def watched_line(state: OrchestrationState) -> str:
    """The status line of a lesson another dashboard runs: the runner's own."""
    return plain(state.line) or f"The lesson runs on {state.nodes} nodes"


def when(stamp: str) -> str:
    """`2026-12-07 00:40 UTC` of an ISO 8601 time in UTC (as given when it is not one)."""
    return f"{stamp[:10]} {stamp[11:16]} UTC" if len(stamp) >= 16 and stamp[10] == "T" else stamp


def figures_line(state: OrchestrationState) -> str:
    """`deploy 1.1 s · replace 5.8 s · …`: each measured step (x: not in time)."""
    measured = state.by_step
    words = [
        f"{key} {'x' if r.seconds is None else f'{r.seconds:.1f} s'}"
        for key in STEPS
        if (r := measured.get(key)) is not None
    ]
    return " · ".join(words) or "no step measured"


def last_line(watched: Watched, *, offer_m: bool) -> str:
    """No lesson under way: how the last one ended, dated, with its figures."""
    return plain(_last_words(watched, offer_m))


def _last_words(watched: Watched, offer_m: bool) -> str:
    state = watched.state
    if state is None:
        return ""
    if watched.ended:
        left = f"left on the cluster: {state.left}" if state.left else "it left nothing behind"
        return (
            f"The lesson ended: the dashboard that ran it is gone ({left}). "
            f"Measured before: {figures_line(state)}"
        )
    date = when(state.measured or state.started)
    text = f"The last lesson, {date} on {state.cluster}'s {state.nodes} nodes: "
    text += figures_line(state)
    if state.error:
        text += f"; it stopped: {state.error}"
    return text + ("; m runs it again" if offer_m else "")


def task_line(task: TaskSeen) -> Text:
    """`lesson-web.2  v2  running` (the version bold when it is the new one)."""
    image = plain(task.image)
    version = image.rsplit(":", 1)[-1] if ":" in image else image
    line = Text(f"{SERVICE}.{task.slot}  ")
    line.append(version, style="bold reverse" if version == "v2" else "bold")
    line.append(f"  {plain(task.state)}")
    if task.error:
        line.append(f"  {plain(task.error)[:40]}", style=BAD)
    return line


def step_text(key: str, result: StepResult | None, running: str) -> Text:
    """One step's line: its name, its time (or why it has none), what happened."""
    title = STEP_TITLES[key]
    if result is None:
        marker = "▶" if key == running else "·"
        return Text(f"{marker} {title:<24} {'…' if key == running else ''}")
    if result.seconds is None:
        return Text(f"✗ {title:<24} {plain(result.note)}", style=f"bold {BAD}")
    line = Text(f"✓ {title:<24} ")
    line.append(f"{result.seconds:5.1f} s", style="bold")
    line.append(f"  {plain(result.note)}", style="dim")
    return line


class NodeColumn(Vertical):
    """One node: its state in the border, the lesson's tasks it runs inside."""

    def __init__(self, index: int) -> None:
        super().__init__(classes=f"orch-node {node_class(index)}")
        self.index = index
        self.border_title = f"node-{index}"
        self.tasks = Static("", classes="orch-tasks")  # shown before it is mounted too

    def compose(self) -> ComposeResult:
        yield self.tasks

    def show(self, node: NodeSeen | None, tasks: Sequence[TaskSeen]) -> None:
        """The node's state and the tasks on it."""
        if node is None:
            self.border_subtitle = "not in the Swarm"
        else:
            role = "manager" if node.role == "manager" else "worker"
            said = f"{node.state} · {node.availability} · {role}"
            self.border_subtitle = Text(plain(said))
            self.set_class(node.state != "ready", "down")
        lines = Text("\n").join(task_line(task) for task in tasks) if tasks else Text("—")
        self.tasks.update(lines)


class FigureCard(Vertical):
    """One measured time in large digits."""

    def __init__(self, step: str) -> None:
        super().__init__(id=f"orch-card-{step}", classes="orch-card")
        self.step = step

    def compose(self) -> ComposeResult:
        yield Digits("-", classes="orch-digits")
        yield Label(CARD_WORDS[self.step], classes="orch-card-label")

    def show(self, result: StepResult | None) -> None:
        """The step's seconds, `x` when it did not happen in time, `-` before it ran."""
        digits = self.query_one(Digits)
        if result is None:
            digits.update("-")
        else:
            digits.update(f"{result.seconds:.1f}" if result.seconds is not None else "x")
