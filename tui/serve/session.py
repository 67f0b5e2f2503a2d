"""One browser session of `--serve`: its dashboard process, bounded in size, input and lifetime.

textual-serve's `AppService` speaks the app's packet protocol (screen data, meta, downloads);
this subclass changes how the process starts and ends (textual-serve is pinned below 1.2 for
the two methods it replaces):

- the app runs without a shell, in a session and process group of its own, with
  `tui.lifetime.SESSION_ENV` naming the server: it sets PR_SET_PDEATHSIG (SIGTERM when the
  server dies, even by SIGKILL) and its address-space bound (`MEMORY_ENV`) itself;
- its terminal size is clamped, its keystrokes are rate-bounded, an app that stops reading
  them ends the session;
- `stop()` never waits for ever: quit, then SIGTERM to the whole group, then SIGKILL, so a
  session's slot is free a few seconds after its browser leaves, whatever the app is doing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shlex
import signal
from asyncio.subprocess import PIPE, Process
from collections.abc import Awaitable, Sequence

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from tui.lifetime import MEMORY_ENV, SESSION_ENV
from tui.serve.limits import StdinBudget, clamp_size

log = logging.getLogger("container-lab.serve")
SESSION_MEMORY = 4 << 30  # address space per session app (an idle one maps about 0.6 GiB)
QUIT_SECONDS = 1.0  # for the app to quit when asked
TERM_SECONDS = 2.5  # then for its group to end on SIGTERM (its own ending takes at most 4.5 s)
STALL_SECONDS = 30.0  # an app that reads no input this long is stuck: the session ends


def signal_group(pid: int, sig: signal.Signals) -> None:
    """`sig` to the process group led by `pid`, if any of it is left."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


async def within(awaitable: Awaitable[object], seconds: float) -> bool:
    """Await `awaitable` for at most `seconds`; False if it did not finish or failed."""
    try:
        await asyncio.wait_for(awaitable, seconds)
    except Exception:
        return False
    return True


def _envelope(text: str) -> tuple[object, object] | None:
    """(type, data) of a page's message; `["focus"]` gives ("focus", None)."""
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: a message nested thousands deep
        return None
    if not isinstance(envelope, list) or not envelope:
        return None
    return envelope[0], envelope[1] if len(envelope) > 1 else None


class Session(AppService):
    """One dashboard process driven by one websocket."""

    def __init__(
        self,
        argv: Sequence[str],
        websocket: web.WebSocketResponse,
        download_manager: DownloadManager,
        *,
        memory: int = SESSION_MEMORY,
    ) -> None:
        """Run `argv` for `websocket` (started by start(), ended by stop())."""
        super().__init__(
            shlex.join(argv),
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=self.close_websocket,
            download_manager=download_manager,
        )
        self.argv = list(argv)
        self.websocket = websocket
        self.memory = memory
        self.process: Process | None = None
        self.ending: asyncio.Future[None] | None = None
        self.closing: asyncio.Future[None] | None = None  # keeps the close task referenced

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        """The app without a shell, in a process group of its own (replaces textual-serve's)."""
        environment = self._build_environment(width=width, height=height)
        environment[SESSION_ENV] = str(os.getpid())
        environment[MEMORY_ENV] = str(self.memory)
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=PIPE,
            stdout=PIPE,
            stderr=PIPE,
            env=environment,
            start_new_session=True,
        )
        self._process, self._stdin = self.process, self.process.stdin
        return self.process

    async def start(self, width: int, height: int) -> None:
        """Start the app; when it ends by itself (q, a crash), the websocket closes."""
        await super().start(width, height)
        if self._task is not None:
            self._task.add_done_callback(self._app_ended)

    def _app_ended(self, task: asyncio.Task[None]) -> None:
        self.closing = asyncio.ensure_future(self.close_websocket())

    async def close_websocket(self) -> None:
        """Close the browser's websocket (the app quit, or the session ends)."""
        await self.websocket.close()

    async def pump(self) -> None:
        """Pass the browser's messages on until it leaves (or sends more than the caps allow:
        aiohttp closes the websocket on a message over its max_msg_size)."""
        budget = StdinBudget()
        async for message in self.websocket:
            if message.type != WSMsgType.TEXT:
                continue
            envelope = _envelope(message.data)
            if envelope is None:
                continue  # not a [type, data] list: nothing the page sends
            kind, data = envelope
            if kind == "stdin" and isinstance(data, str):
                await asyncio.sleep(budget.wait_for(len(data)))
                if not await within(
                    self.send_bytes(data.encode("utf-8", "replace")), STALL_SECONDS
                ):
                    log.warning("a session's app stopped reading its input: ending it")
                    return
            elif kind == "resize" and isinstance(data, dict):
                width, height = clamp_size(data.get("width"), data.get("height"))
                await within(self.set_terminal_size(width, height), STALL_SECONDS)
            elif kind == "ping":
                await within(self.websocket.send_json(["pong", data]), STALL_SECONDS)
            elif kind in ("blur", "focus"):
                await within(self.send_meta({"type": kind}), STALL_SECONDS)

    async def stop(self) -> None:
        """End the app and everything in its process group, in a few seconds at most."""
        if self.ending is None:
            self.ending = asyncio.ensure_future(self._end())
        await asyncio.shield(self.ending)

    async def _end(self) -> None:
        process = self.process
        if process is not None:
            await within(
                self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id), 1
            )
            await within(self.send_meta({"type": "quit"}), QUIT_SECONDS)
            if not await within(process.wait(), QUIT_SECONDS):
                signal_group(process.pid, signal.SIGTERM)
                if not await within(process.wait(), TERM_SECONDS):
                    signal_group(process.pid, signal.SIGKILL)
                    await within(process.wait(), TERM_SECONDS)
            signal_group(process.pid, signal.SIGKILL)  # whatever the app left in its group
        if self._task is not None:  # the reader stops at the end of the app's output
            await within(self._task, TERM_SECONDS)
            self._task = None
        await within(self.websocket.close(), 1)
