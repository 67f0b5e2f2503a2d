"""A yes/no question before a destructive action."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from tui.views.formats import plain
from tui.views.read_only import hidden


class ConfirmScreen(ModalScreen[bool]):
    """Ask `question`; dismiss with True only for an explicit yes."""

    CSS_PATH = "confirm.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        """The question and two buttons (No has the focus)."""
        with Vertical(id="confirm"):
            yield Label(plain(self.question, keep="\n"), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button("No", id="no", variant="primary")
                yield Button("Yes", id="yes", variant="error")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only mode never asks; if it did, only No would answer."""
        return not hidden(self, action, parameters)

    def on_mount(self) -> None:
        """Focus No, so Enter is the safe answer."""
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Answer with the button pressed."""
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        """Answer from the keyboard."""
        self.dismiss(yes)
