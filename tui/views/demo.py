"""The demo containers from the command palette: the lab's demo set up or down (Docker and
Compose calls that block) in a thread worker, an ActionDone saying how it went."""

from __future__ import annotations

from textual.dom import DOMNode

from tui.session import LabSession
from tui.views.messages import ActionDone
from tui.views.read_only import allowed


def run_demo(node: DOMNode, lab: LabSession | None, action: str) -> None:
    """`up` starts the demo containers (local images only; what runs already is kept); `down`
    removes them (by their label) and nothing else. The worker runs on `node` (the containers
    pane, where they show), whose ActionDone bubbles to the app."""
    if not allowed(node, "demo"):
        return

    def run() -> None:
        if lab is None:
            node.post_message(ActionDone(f"demo {action}", "", "no lab configured"))
            return
        try:
            lines = lab.demo(action)
        except Exception as exc:  # LabError says what to do; anything else must not kill the app
            node.post_message(ActionDone(f"demo {action}", "failed", str(exc)))
            return
        done = "started: see the Containers tab" if action == "up" else f"removed ({len(lines)})"
        node.post_message(ActionDone("demo containers", done))

    node.run_worker(
        run, name=f"demo {action}", group="demo", thread=True, exclusive=True, exit_on_error=False
    )
