"""Read-only below the views: a wrapper that lets through only what is declared a read.

A read-only dashboard (`--read-only`, a class watching) is handed its engines' backends, its
lab and its log files wrapped in `read_only(...)`. Every method not named in the object's
declared reads raises ReadOnlyRefused when it is called (any other attribute when it is read):
a method added to a backend later is refused until someone declares it a read. The views
refuse first (tui/views/read_only.py); this is the layer that holds if they miss a path (a
button, a message, a new callback).
"""

from __future__ import annotations

import inspect
from collections.abc import Collection
from typing import Any, NoReturn, TypeVar, cast

from tui.errors import LabError

T = TypeVar("T")


class ReadOnlyRefused(LabError):
    """A read-only dashboard asked for something that would change the host or an engine."""


class ReadOnly:
    """`target` with only the attributes in `reads`; everything else is refused."""

    def __init__(self, target: object, reads: Collection[str], what: str) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_reads", frozenset(reads))
        object.__setattr__(self, "_what", what)

    def __getattr__(self, name: str) -> Any:
        if name in self._reads:
            return getattr(self._target, name)
        refused = ReadOnlyRefused(
            f"read-only: {self._what} refused {name.replace('_', ' ')}; this dashboard only watches"
        )
        if not callable(inspect.getattr_static(self._target, name, None)):
            raise refused

        def refuse(*args: object, **kwargs: object) -> NoReturn:
            raise refused

        return refuse  # a bound method handed on (a pane's remove) refuses when it is called

    def __setattr__(self, name: str, value: object) -> None:
        raise ReadOnlyRefused(f"read-only: {self._what} cannot be changed")

    def __repr__(self) -> str:
        return f"ReadOnly({self._target!r})"


def read_only(target: T, reads: Collection[str], what: str) -> T:
    """`target` behind a ReadOnly wrapper that lets only `reads` through (typed as `target`)."""
    if isinstance(target, ReadOnly):
        return cast(T, target)
    return cast(T, ReadOnly(target, reads, what))


def is_read_only(target: object) -> bool:
    """Whether `target` is wrapped."""
    return isinstance(target, ReadOnly)
