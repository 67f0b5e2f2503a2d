"""Guards for callbacks that can fire while Textual removes the widgets they update.

At shutdown (and when a screen is popped) Textual first marks every node of the tree it prunes,
then removes children before parents, while timers and queued worker messages keep coming. A
callback that queries a child then meets NoMatches: these guards skip it instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from textual.dom import DOMNode

Callback = TypeVar("Callback", bound=Callable[..., Any])


def being_removed(node: DOMNode) -> bool:
    """True once Textual began removing `node`, or it no longer runs."""
    # Textual sets _pruning on the whole tree before removing any of it; it has no public name.
    return bool(getattr(node, "_pruning", False)) or not node.is_running


def unless_removed(method: Callback) -> Callback:
    """Skip a widget's or screen's callback once it is being removed."""

    @functools.wraps(method)
    def guarded(node: DOMNode, *args: Any) -> Any:
        if being_removed(node):
            return None
        return method(node, *args)

    return guarded  # type: ignore[return-value]
