"""What the user can ask of a container, as one enum from the key binding down to the engine."""

from __future__ import annotations

from enum import StrEnum


class ContainerAction(StrEnum):
    """A request on one container; the values are the names the key bindings use."""

    DETAIL = "detail"
    LOGS = "logs"
    SHELL = "shell"
    START = "start"
    STOP = "stop"
    RESTART = "restart"
    KILL = "kill"
    PAUSE = "pause"
    UNPAUSE = "unpause"
    REMOVE = "remove"

    @property
    def is_destructive(self) -> bool:
        """It stops or removes what runs: the dashboard asks first."""
        return self in DESTRUCTIVE

    @property
    def changes(self) -> bool:
        """It changes something (refused in read-only mode); detail and logs only look."""
        return self not in (ContainerAction.DETAIL, ContainerAction.LOGS)


LIFECYCLE = frozenset(
    {
        ContainerAction.START,
        ContainerAction.STOP,
        ContainerAction.RESTART,
        ContainerAction.KILL,
        ContainerAction.PAUSE,
        ContainerAction.UNPAUSE,
        ContainerAction.REMOVE,
    }
)
DESTRUCTIVE = frozenset(
    {ContainerAction.STOP, ContainerAction.RESTART, ContainerAction.KILL, ContainerAction.REMOVE}
)


def parse_action(name: str) -> ContainerAction:
    """The action a binding names; ValueError (naming the known ones) for any other."""
    try:
        return ContainerAction(name)
    except ValueError:
        known = ", ".join(action.value for action in ContainerAction)
        raise ValueError(f"unknown container action {name!r}: one of {known}") from None
