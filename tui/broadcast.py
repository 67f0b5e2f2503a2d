"""A lesson's runner side, shared by the VM lesson and the orchestration lesson.

`Broadcast` claims one document of the lab (tui/published.py) and republishes its state on
every change, from any thread; a document that cannot be written is said once and the lesson
runs on. `record` reads a dataclass back from what a viewer found, every field checked against
its declared type, so a damaged or hostile document is one line, never a crash.
"""

from __future__ import annotations

import threading
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Generic, Protocol, TypeVar

from tui.errors import LabError
from tui.paths import LabPaths
from tui.published import LIVE, Publisher, Seen, Writer

_T = TypeVar("_T")


class Lesson(Protocol):
    """What a published lesson's state says of itself."""

    @property
    def under_way(self) -> bool:
        """What it made still runs."""
        ...


S = TypeVar("S", bound=Lesson)


def fits(value: object, hint: object) -> bool:
    """Whether a JSON value has the type a dataclass field declares (bool is no number)."""
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint in (str, bool):
        return type(value) is hint
    if hint is type(None):
        return value is None
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return any(fits(value, arm) for arm in typing.get_args(hint))
    if typing.get_origin(hint) is dict:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
    return False


def record(cls: type[_T], raw: object, **given: Any) -> _T:
    """A dataclass from a JSON object, every field checked against its type (ValueError);
    `given` fields are taken as they are."""
    if not isinstance(raw, dict):
        raise ValueError(f"{cls.__name__} is not an object")
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = dict(given)
    for item in fields(cls):  # type: ignore[arg-type]
        if item.name in given or item.name not in raw:
            continue  # given, its default, or a TypeError below
        if not fits(raw[item.name], hints[item.name]):
            raise ValueError(f"{cls.__name__}.{item.name} is {raw[item.name]!r}")
        values[item.name] = raw[item.name]
    return cls(**values)


def records(cls: type[_T], raw: object) -> tuple[_T, ...]:
    """A list of dataclasses from a JSON list (None: none)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError(f"the {cls.__name__} list is not a list")
    return tuple(record(cls, item) for item in raw)


@dataclass(frozen=True)
class Watched(Generic[S]):
    """What a viewer shows: the lab's lesson (or none), or why it cannot be read."""

    state: S | None = None
    error: str = ""
    ended: bool = False  # its runner is gone while what it made ran (killed, say)

    @property
    def running(self) -> bool:
        """A lesson runs in another dashboard, alive."""
        return self.state is not None and self.state.under_way and not self.ended


def watched(
    found: Seen,
    parse: Callable[[Mapping[str, Any], Writer | None], S],
    name: str,
    paths: LabPaths | None = None,
) -> Watched[S]:
    """What the published document `name` means for a viewer (`parse` reads its body:
    ValueError, TypeError, KeyError or AttributeError when it is not one)."""
    if found.error:
        return Watched(error=found.error)
    if found.body is None:
        return Watched()
    try:
        state = parse(found.body, found.writer)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        where = f"{paths.lab}/{LIVE}/{name}.json" if paths is not None else f"{name}.json"
        why = " ".join(str(exc).split())[:120]
        return Watched(error=f"{where} is not a lesson ({why}); remove it (its runner writes it)")
    return Watched(state, ended=state.under_way and not found.alive)


class Broadcast(Generic[S]):
    """Claims the lab's document `name` and publishes each new state (thread-safe).

    A document that cannot be written is said once through `on_error`; the lesson runs on.
    """

    def __init__(
        self,
        paths: LabPaths,
        name: str,
        to_body: Callable[[S], dict[str, Any]],
        on_error: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.publisher = Publisher(paths, name)
        self.to_body = to_body
        self.on_error = on_error
        self._lock = threading.Lock()
        self._state: S | None = None
        self._failed = False

    @property
    def state(self) -> S | None:
        """What was published last."""
        return self._state

    def claim(self) -> bool:
        """Take the lab's one lesson; False when another dashboard runs it (LabError: the
        lab's folder cannot be used)."""
        return self.publisher.claim()

    def release(self) -> None:
        """Let another dashboard run it (the last document stays, for the viewers)."""
        self.publisher.release()

    def _set(self, change: Callable[[S | None], S | None]) -> None:
        with self._lock:
            before, self._state = self._state, change(self._state)
            if self._state is None or self._state is before:
                return  # nothing new: a late word after the end is not published over a new run
            try:
                self.publisher.publish(self.to_body(self._state))
            except LabError as exc:
                if not self._failed:
                    self._failed = True
                    self.on_error(f"the class cannot see this lesson: {exc}")
