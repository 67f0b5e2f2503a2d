"""One browser session of `container-lab --serve`, played over its websocket: `["stdin", …]`
packets in, the terminal's bytes out (drawn on a small screen model), delivered files fetched.

This is what a viewer holding the class URL can send, without a browser in the way: any key,
any mouse click, any text. The screen model understands what Textual writes (cursor moves,
colours ignored, text) well enough to read a row, e.g. the footer, and click on it.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import re
import time
from dataclasses import dataclass, field

import aiohttp
from rich.cells import cell_len

from tests.integration.serve_harness import Served, ticket

ANSI = re.compile(
    r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)"
)
CSI = re.compile(r"\x1b\[([0-9;?<>=]*)([ -/]*)([@-~])")
OTHER_ESCAPE = re.compile(r"\x1b(\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[^\[])")
ESCAPE = "\x1b[27u"  # the escape key as the kitty protocol sends it: no escape-delay to mind
# Every key a binding of the dashboard (or of Textual's widgets in it) can name, as a terminal
# sends it. tests/tui/test_read_only_gate.py checks that the dashboard binds no other.
NAMED_KEYS = {
    "enter": "\r",
    "tab": "\t",
    "shift+tab": "\x1b[Z",
    "backspace": "\x7f",
    "ctrl+backspace": "\x08",
    "alt+backspace": "\x1b\x7f",
    "delete": "\x1b[3~",
    "escape": ESCAPE,
    "space": " ",
    "up": "\x1b[A",
    "down": "\x1b[B",
    "right": "\x1b[C",
    "left": "\x1b[D",
    "home": "\x1b[H",
    "end": "\x1b[F",
    "pageup": "\x1b[5~",
    "pagedown": "\x1b[6~",
    "shift+up": "\x1b[1;2A",
    "shift+down": "\x1b[1;2B",
    "shift+right": "\x1b[1;2C",
    "shift+left": "\x1b[1;2D",
    "shift+home": "\x1b[1;2H",
    "shift+end": "\x1b[1;2F",
    "shift+space": "\x1b[32;2u",
    "ctrl+left": "\x1b[1;5D",
    "ctrl+right": "\x1b[1;5C",
    "ctrl+shift+left": "\x1b[1;6D",
    "ctrl+shift+right": "\x1b[1;6C",
    "ctrl+home": "\x1b[1;5H",
    "ctrl+end": "\x1b[1;5F",
    "ctrl+pageup": "\x1b[5;5~",
    "ctrl+pagedown": "\x1b[6;5~",
    "ctrl+shift+a": "\x1b[97;6u",
    "super+c": "\x1b[99;9u",
    "super+backspace": "\x1b[127;9u",
    **{f"ctrl+{c}": chr(ord(c) - 96) for c in "abcdefghjklnoprstuvwxyz"},  # not i, m: tab, enter
}
QUIT_KEYS = {"q", "ctrl+q"}  # end the session: pressed last
FOOTER = "▏^p palette"  # the right end of Textual's footer (the help panel says it otherwise)
CHARACTER_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "minus": "-",
    "plus": "+",
    "equals_sign": "=",
    "left_square_bracket": "[",
}


def encoded(key: str) -> str:
    """What a terminal sends for the key a binding names (`j`, `slash`, `ctrl+r`, `enter`)."""
    if key in NAMED_KEYS:
        return NAMED_KEYS[key]
    if key in CHARACTER_NAMES:
        return CHARACTER_NAMES[key]
    if len(key) == 1:
        return key
    raise KeyError(f"no terminal encoding known for key {key!r}: add it to NAMED_KEYS")


def every_key() -> dict[str, str]:
    """Every printable ASCII character and every named key, by name."""
    keys = {chr(code): chr(code) for code in range(0x21, 0x7F)}
    keys.update(NAMED_KEYS)
    return keys


class ScreenModel:
    """The terminal as Textual draws it: rows of cells (cursor moves and text; styles dropped)."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.cells = [[" "] * columns for _ in range(rows)]
        self.x = self.y = 0
        self.reach: dict[int, int] = {}  # row -> the rightmost column drawn on

    def feed(self, text: str) -> None:
        """Draw what the program wrote."""
        at = 0
        while at < len(text):
            char = text[at]
            if char == "\x1b":
                csi = CSI.match(text, at)
                if csi is not None:
                    self._csi(csi.group(1), csi.group(3))
                    at = csi.end()
                    continue
                other = OTHER_ESCAPE.match(text, at)
                at = other.end() if other is not None else at + 1
                continue
            at += 1
            if char == "\r":
                self.x = 0
            elif char == "\n":
                self.y += 1
            elif char >= " ":
                self._put(char)

    def _csi(self, params: str, final: str) -> None:
        numbers = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []
        if final in "Hf" and not params.startswith("?"):
            # Outside the screen (drawn for an older size) stays outside: nothing is drawn.
            self.y = (numbers[0] if numbers else 1) - 1
            self.x = (numbers[1] if len(numbers) > 1 else 1) - 1
        elif final == "J" and numbers[:1] == [2]:
            self.cells = [[" "] * self.columns for _ in range(self.rows)]
        elif final == "K" and 0 <= self.y < self.rows:
            self.cells[self.y][self.x :] = [" "] * (self.columns - self.x)

    def _put(self, char: str) -> None:
        width = cell_len(char)
        if width == 0 or not (0 <= self.x < self.columns and 0 <= self.y < self.rows):
            self.x += width
            return
        self.cells[self.y][self.x] = char
        self.reach[self.y] = max(self.reach.get(self.y, -1), self.x + width - 1)
        for extra in range(1, width):
            if self.x + extra < self.columns:
                self.cells[self.y][self.x + extra] = ""
        self.x += width

    def row(self, y: int) -> str:
        """One row's text."""
        return "".join(self.cells[y])

    def text(self) -> str:
        """The whole screen."""
        return "\n".join(self.row(y) for y in range(self.rows))


@dataclass
class ServedSession:
    """A websocket session of a served dashboard (open it with `async with`)."""

    server: Served
    columns: int = 160
    rows: int = 50
    raw: bytearray = field(default_factory=bytearray)
    meta: list[list[object]] = field(default_factory=list)
    closed: bool = False
    ended: str = ""  # how the websocket closed, for a failure's message

    async def __aenter__(self) -> ServedSession:
        self.http = aiohttp.ClientSession()
        url = (
            f"{self.server.ws_base}/ws/{await ticket(self.server, self.http)}"
            f"?width={self.columns}&height={self.rows}"
        )
        self.ws = await self.http.ws_connect(
            url, headers={"Origin": self.server.base}, timeout=aiohttp.ClientWSTimeout()
        )
        self.base_rows = self.rows
        self.screen = ScreenModel(self.columns, self.rows)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._text = ""
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()
        self._reader.cancel()
        await self.http.close()

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.raw += message.data
                decoded = self._decoder.decode(message.data)
                self.screen.feed(decoded)
                self._text += ANSI.sub("", decoded)
            elif message.type == aiohttp.WSMsgType.TEXT:
                self.meta.append(json.loads(message.data))
        self.ended = (
            f"websocket closed with code {self.ws.close_code}, error "
            f"{self.ws.exception()!r}, last messages {self.meta[-3:]}"
        )
        self.closed = True

    def mark(self) -> int:
        """A position in the text written so far, to look only at what comes after it."""
        return len(self._text)

    def text(self, since: int = 0) -> str:
        """What the dashboard wrote after `since`, escape sequences removed."""
        return self._text[since:]

    async def expect(self, needle: str, since: int = 0, seconds: float = 90) -> None:
        """Wait until `needle` was written after `since`; fail with the screen if not."""
        deadline = time.monotonic() + seconds
        while needle not in self._text[since:]:
            assert not self.closed, (
                f"the session ended before {needle!r} ({self.ended}):\n{self.screen.text()}"
            )
            assert time.monotonic() < deadline, f"{needle!r} never appeared:\n{self.screen.text()}"
            await asyncio.sleep(0.05)

    async def send(self, *keys: str, gap: float = 0.02) -> None:
        """Send each string as a stdin packet, as typed (one key each)."""
        for key in keys:
            await self.ws.send_json(["stdin", key])
            await asyncio.sleep(gap)

    async def settle(self) -> None:
        """A barrier: the app handles a resize after every key sent before it. Change the
        terminal's height (two rows less, or back) and wait until the new last row shows the
        footer: a frame drawn for the old height never puts the footer on that row. On return
        the screen model shows what the keys sent before did."""
        self.rows = self.base_rows - 2 if self.rows == self.base_rows else self.base_rows
        self.screen = ScreenModel(self.columns, self.rows)
        await self.ws.send_json(["resize", {"width": self.columns, "height": self.rows}])
        deadline = time.monotonic() + 90
        while FOOTER not in self.screen.row(self.rows - 1):
            assert not self.closed, f"the session ended ({self.ended}):\n{self.screen.text()}"
            assert time.monotonic() < deadline, f"no redraw after a resize:\n{self.screen.text()}"
            await asyncio.sleep(0.02)

    async def click(self, x: int, y: int) -> None:
        """A left click at a cell (SGR mouse: what xterm.js sends)."""
        await self.send(f"\x1b[<0;{x + 1};{y + 1}M", f"\x1b[<0;{x + 1};{y + 1}m")

    async def download(self, key: str) -> bytes:
        """The file a delivery sent to the browser (as the page's script fetches it)."""
        url = f"{self.server.base}/download/{key}"  # reached by its random key alone
        async with self.http.get(url) as response:
            assert response.status == 200, await response.text()
            return await response.read()

    def deliveries(self) -> list[str]:
        """The keys of the files the dashboard delivered so far."""
        return [str(m[1]) for m in self.meta if m and m[0] == "deliver_file_start"]

    async def wait_closed(self, seconds: float = 90) -> None:
        """Wait for the dashboard to end the session."""
        deadline = time.monotonic() + seconds
        while not self.closed:
            assert time.monotonic() < deadline, f"the session did not end:\n{self.screen.text()}"
            await asyncio.sleep(0.1)
