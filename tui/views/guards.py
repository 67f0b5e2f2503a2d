"""Guards for callbacks that can fire while Textual removes the widgets they update, and for
how the app ends with its process (`follow_ending`).

At shutdown (and when a screen is popped) Textual first marks every node of the tree it prunes,
then removes children before parents, while timers and queued worker messages keep coming. A
callback that queries a child then meets NoMatches: these guards skip it instead.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from textual.app import App
from textual.dom import DOMNode, NoScreen

from tui.lifetime import Ending

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


def follow_ending(app: App[Any]) -> None:
    """Signals and a lost terminal end `app` as `q` does, within seconds (tui/lifetime.py):
    the panes stop what they run on the way out (the lesson's container, sandbox and VM).
    Nothing in headless tests or off the main thread, where signals are not this app's."""
    if app.is_headless or threading.current_thread() is not threading.main_thread():
        return
    ending = getattr(app, "ending", None) or Ending().install()  # run without run_app()
    app.ending = ending  # type: ignore[attr-defined]
    ending.catch_signals()  # the web driver took SIGINT and SIGTERM for its loop
    loop = asyncio.get_running_loop()
    # The shell's status for a signal; exit() runs on the loop, whichever thread asks.
    ending.request_exit = lambda code: loop.call_soon_threadsafe(app.exit, None, code)
    if ending.begun.is_set():  # it began during start-up
        app.exit(return_code=ending.code)


def roomy_executor(threads: int) -> None:
    """Room for the views' own thread workers (a logs stream each, merged logs one per
    container, the lesson): Textual runs them on the loop's default executor, which allows
    only min(32, cores + 4) threads, six here, and a seventh stream would wait forever."""
    executor = ThreadPoolExecutor(threads, thread_name_prefix="view-worker")
    asyncio.get_running_loop().set_default_executor(executor)
