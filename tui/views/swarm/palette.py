"""The Swarm tab's commands in the palette (ctrl+p), through the read-only gate
(tui/views/read_only.py): read-only mode lists only its logs."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import SystemCommand

from tui.views.read_only import ActionHost, GatedAction
from tui.views.swarm.pane import SwarmPane

CHANGING = [
    ("Scale service…", "How many replicas of the selected service", "scale"),
    ("Rolling restart service", "Replace every task, as its update settings say", "restart"),
    ("Roll back service", "Back to the selected service's previous spec", "rollback"),
    ("Remove service", "The selected service and its tasks", "remove"),
    ("Drain node", "The selected node's tasks move elsewhere", "drain"),
    ("Pause node", "No new task on the selected node", "pause_node"),
    ("Activate node", "The selected node takes tasks again", "activate"),
    (
        "Run the orchestration lesson",
        "Deploy, kill, stop a node, drain, update (Swarm tab)",
        "lesson",
    ),
    ("Stop the orchestration lesson", "Remove its service, restore its nodes", "stop"),
]


def swarm_commands(app: ActionHost, pane: SwarmPane) -> Iterable[SystemCommand]:
    """The pane's commands, each a GatedAction (read-only mode lists those it lets through)."""
    yield SystemCommand(
        "Service logs", "The selected service's tasks, merged", GatedAction(app, "logs", pane)
    )
    for title, help_text, action in CHANGING:
        yield SystemCommand(title, help_text, GatedAction(app, action, pane))
