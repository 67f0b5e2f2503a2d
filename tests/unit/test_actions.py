"""The container actions enum: one name per binding, the sets the app and the engine rely on."""

import pytest

from tui.engine.actions import DESTRUCTIVE, LIFECYCLE, ContainerAction, parse_action


def test_each_binding_name_parses_to_its_action_and_others_are_refused_by_name() -> None:
    assert parse_action("kill") is ContainerAction.KILL
    with pytest.raises(ValueError, match="unknown container action 'explode': one of detail"):
        parse_action("explode")


def test_destructive_actions_are_lifecycle_ones_and_only_views_change_nothing() -> None:
    assert DESTRUCTIVE < LIFECYCLE
    assert {a for a in ContainerAction if not a.changes} == {
        ContainerAction.DETAIL,
        ContainerAction.LOGS,
    }
    assert ContainerAction.SHELL.changes and ContainerAction.SHELL not in LIFECYCLE
    assert [a for a in ContainerAction if a.is_destructive] == [
        ContainerAction.STOP,
        ContainerAction.RESTART,
        ContainerAction.KILL,
        ContainerAction.REMOVE,
    ]
