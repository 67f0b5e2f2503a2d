"""Read-only mode (`--read-only`): what counts as a change, and the check the panes ask the app.

The app decides (`ContainerLabApp.allowed`); every entry point that changes something asks it
first, and `check_action` hides the keys of those actions from the footer and the key map.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from textual.dom import DOMNode

from tui.engine.compose import ProjectAction

# Every compose project action changes something (views/containers/projects.py asks first).
PROJECT_CHANGES = frozenset(ProjectAction)
# The app's own actions that change something (hidden in read-only mode); add new ones here.
APP_CHANGES = frozenset({"prune"})
# The Swarm tab's actions that change something (tui/views/swarm/pane.py): service and node
# actions, the orchestration lesson (it stops a node's engine) and stopping it.
SWARM_CHANGES = frozenset(
    {"scale", "restart", "rollback", "remove", "drain", "pause_node", "activate", "lesson", "stop"}
)


@runtime_checkable
class ChangeGate(Protocol):
    """An app that may run read-only (ContainerLabApp); a pane in another app changes freely."""

    read_only: bool

    def allowed(self, what: str) -> bool:
        """False, with a notice, when `what` would change something in read-only mode."""
        ...


def is_read_only(node: DOMNode) -> bool:
    """True when the node's app runs read-only."""
    app = node.app
    return isinstance(app, ChangeGate) and app.read_only


def allowed(node: DOMNode, what: str) -> bool:
    """Ask the node's app whether `what` may run; it says why not in read-only mode."""
    app = node.app
    return app.allowed(what) if isinstance(app, ChangeGate) else True
