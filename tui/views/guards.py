"""Guards for callbacks that can fire while Textual removes the widgets they update.

At shutdown (and when a screen is popped) Textual first marks every node of the tree it prunes,
then removes children before parents, while timers and queued worker messages keep coming. A
callback that queries a child then meets NoMatches: these guards skip it instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from textual.dom import DOMNode, NoScreen

Callback = TypeVar("Callback", bound=Callable[..., Any])


def being_removed(node: DOMNode) -> bool:
    """True once Textual began removing `node`: the app shuts down (it stops running before it
    removes anything), the node's screen left the stack (popped screens go after that), or
    the node itself no longer runs."""
    app = node.app
    if not (node.is_running and app.is_running):
        return True
    try:
        screen = node.screen
    except NoScreen:
        return True
    return screen not in app.screen_stack


def only_while(is_open: Callable[[Any], bool]) -> Callable[[Callback], Callback]:
    """A decorator that skips a method (returning None) when `is_open(self)` is false."""

    def decorate(method: Callback) -> Callback:
        @functools.wraps(method)
        def guarded(owner: Any, *args: Any) -> Any:
            return method(owner, *args) if is_open(owner) else None

        return guarded  # type: ignore[return-value]

    return decorate


unless_removed = only_while(lambda node: not being_removed(node))
unless_removed.__doc__ = "Skip a widget's or screen's callback once it is being removed."
