"""The shape every blocking stream of the engine has: logs, stats and events alike."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, TypeVar

T_co = TypeVar("T_co", covariant=True)


class Stream(Protocol[T_co]):
    """A blocking stream of items that another thread can close."""

    def __iter__(self) -> Iterator[T_co]: ...

    def close(self) -> None: ...
