"""Every Textual message of the dashboard is a dataclass (issue 13, "one shape").

A message declares its fields and nothing else: no hand-written `__init__` (which may forget
`super().__init__()` or compute a field) and no `__post_init__` of its own, so Textual's
`Message.__post_init__` sets the message up. The check builds each message from its fields
and reads them back, so it also catches a dataclass whose own `__init__` survived.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import sys
from dataclasses import dataclass
from typing import Any, cast

from textual.message import Message

import tui
from tui.engine.actions import ContainerAction
from tui.views.baseline.control import LessonControl
from tui.views.baseline.pane import BaselinePane
from tui.views.containers.pane import ContainersPane
from tui.views.messages import LogsRequested


def tui_messages() -> list[type[Message]]:
    """Every Message subclass defined in a module of tui (all of tui imported first)."""
    for module in pkgutil.walk_packages(tui.__path__, "tui."):
        importlib.import_module(module.name)
    found: list[type[Message]] = []
    todo = list(Message.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("tui.") and cls not in found:
            found.append(cls)
    return found


def shape_problem(cls: type[Message]) -> str:
    """Why `cls` is not a plain dataclass message, or ""."""
    # is_dataclass is also true of an undecorated subclass of a dataclass: ask the class itself
    if "__dataclass_fields__" not in vars(cls):
        return "not decorated with @dataclass"
    if cls.__post_init__ is not Message.__post_init__:
        return "defines its own __post_init__"
    # @dataclass keeps an __init__ written in the class body; the one it makes has no file
    if cls.__init__.__code__.co_filename == sys.modules[cls.__module__].__file__:
        return "has a hand-written __init__"
    values = {f.name: object() for f in dataclasses.fields(cast(Any, cls)) if f.init}
    message = cls(**values)
    if any(getattr(message, name) is not value for name, value in values.items()):
        return "its __init__ does not keep the fields as given"
    if not hasattr(message, "time"):
        return "Message.__post_init__ did not run"
    return ""


def test_the_check_flags_messages_of_another_shape() -> None:
    class HandWritten(Message):
        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    @dataclass(eq=False)
    class Base(Message):
        lesson: str

    class Undecorated(Base):  # inherits __dataclass_fields__, so is_dataclass() says yes
        pass

    @dataclass(eq=False)
    class OwnPostInit(Message):
        value: str

        def __post_init__(self) -> None:
            super().__post_init__()

    @dataclass(eq=False)
    class Computed(Message):
        value: str

        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value or "default"

    assert dataclasses.is_dataclass(Undecorated)
    assert shape_problem(HandWritten) == "not decorated with @dataclass"
    assert shape_problem(Undecorated) == "not decorated with @dataclass"
    assert shape_problem(OwnPostInit) == "defines its own __post_init__"
    assert shape_problem(Computed) == "has a hand-written __init__"
    assert shape_problem(Base) == ""


def test_every_message_in_tui_is_a_dataclass() -> None:
    messages = tui_messages()
    names = {cls.__qualname__ for cls in messages}
    # the walk must see the messages: nested ones, subclasses of a message, and messages.py's
    assert {"ContainersPane.Requested", "LessonControl.Ended", "FeedMessage"} <= names
    problems = sorted(
        f"{cls.__module__}.{cls.__qualname__}: {problem}"
        for cls in messages
        if (problem := shape_problem(cls))
    )
    assert not problems, problems


def test_dataclass_messages_keep_their_handler_names_and_arguments() -> None:
    assert ContainersPane.ProjectRequested.handler_name == "on_containers_pane_project_requested"
    assert BaselinePane.ProfileChanged.handler_name == "on_baseline_pane_profile_changed"
    assert BaselinePane.ProfileChanged.bubble
    ended = LessonControl.Ended("run", "boom", stopped=True)  # type: ignore[arg-type]
    assert (ended.run, ended.error, ended.stopped, ended.made) == ("run", "boom", True, True)
    assert ended.handler_name == "on_lesson_control_ended" and ended.bubble
    request = ContainersPane.Requested(ContainerAction.STOP, "c1")
    assert (request.action, request.container_id) == ("stop", "c1")
    logs = LogsRequested(("c1", "c2"))
    assert (logs.container_ids, logs.title, logs.handler_name) == (
        ("c1", "c2"), "", "on_logs_requested"
    )  # fmt: skip
