"""What keeps `--serve` up under load: a connection cap, one-time tickets, size and rate bounds.

None of these depend on who is asking: they hold for a token holder too, since one browser tab
(or a script with the URL) must not take the server or the machine down for everyone.
"""

from __future__ import annotations

import asyncio
import resource
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

MAX_COLUMNS, MAX_ROWS = 500, 200  # a 4K projector at a small font; Textual draws every cell
MIN_COLUMNS, MIN_ROWS = 20, 6
MAX_PACKET = 64 * 1024  # one websocket message: a paste of 64 KiB at most
STDIN_BURST = 64 * 1024  # keystroke bytes a session may send at once...
STDIN_RATE = 8 * 1024  # ...and per second after that (typing and mouse moves need < 2 KiB/s)
HEADER_SECONDS = 10.0  # a connection must send a whole request this soon (and after each one)
MAX_CONNECTIONS = 256  # open connections at once, well below a 1,024 fd limit
TICKET_SECONDS = 30.0  # a ticket opens one websocket, this soon after the page asked for it
MAX_TICKETS = 32  # unredeemed tickets kept (the oldest go first)
BUSY = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


def clamp_size(width: object, height: object) -> tuple[int, int]:
    """A terminal size the app can draw: numbers within MIN..MAX (80x24 for junk)."""

    def number(value: object, default: int, low: int, high: int) -> int:
        try:
            return max(low, min(high, int(str(value))))
        except ValueError:
            return default

    return (
        number(width, 80, MIN_COLUMNS, MAX_COLUMNS),
        number(height, 24, MIN_ROWS, MAX_ROWS),
    )


def connection_limit(cap: int = MAX_CONNECTIONS) -> int:
    """`cap`, or fewer when the fd limit is low: each connection is a file descriptor, and each
    session three more (its app's pipes); a quarter of the limit is kept for those."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return cap
    return max(8, min(cap, soft // 4))


class TicketBook:
    """One-time tickets: each opens exactly one websocket, within TICKET_SECONDS of its issue."""

    def __init__(
        self, seconds: float = TICKET_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self.issued: OrderedDict[str, float] = OrderedDict()  # ticket -> when it expires

    def issue(self) -> str:
        """A new ticket (the oldest unused ones are dropped past MAX_TICKETS)."""
        ticket = secrets.token_urlsafe(24)
        self.issued[ticket] = self.clock() + self.seconds
        while len(self.issued) > MAX_TICKETS:
            self.issued.popitem(last=False)
        return ticket

    def redeem(self, ticket: str) -> bool:
        """True once for a ticket issued and not expired; it is gone afterwards either way."""
        expires = self.issued.pop(ticket, None)
        return expires is not None and self.clock() <= expires


class StdinBudget:
    """A token bucket for one session's keystroke bytes: a burst, then a steady rate."""

    def __init__(
        self,
        burst: int = STDIN_BURST,
        rate: int = STDIN_RATE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst, self.rate, self.clock = burst, rate, clock
        self.level = float(burst)
        self.updated = clock()

    def wait_for(self, size: int) -> float:
        """Take `size` bytes; the seconds to wait before sending them (0 within the budget)."""
        now = self.clock()
        self.level = min(self.burst, self.level + (now - self.updated) * self.rate)
        self.updated = now
        self.level -= size
        return 0.0 if self.level >= 0 else -self.level / self.rate


class _Busy(asyncio.Protocol):
    """A connection over the cap: a 503 and the connection closed, nothing parsed."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(BUSY)
        transport.close()


class _Counted(asyncio.Protocol):
    """aiohttp's protocol for one connection, counted by the gate while it is open."""

    def __init__(self, gate: ConnectionGate, inner: asyncio.Protocol) -> None:
        self.gate, self.inner = gate, inner

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self.gate.open -= 1
        self.inner.connection_lost(exc)


class ConnectionGate:
    """The listening socket's protocol factory: at most `limit` connections open at once.

    Past the limit a connection gets a 503 and is closed at once, so a flood of half-open
    connections can never run the server out of file descriptors; the ones it holds are closed
    by aiohttp's keep-alive timeout (HEADER_SECONDS) unless they send a request.
    """

    def __init__(self, factory: Callable[[], asyncio.Protocol], limit: int) -> None:
        self.factory, self.limit = factory, limit
        self.open = 0  # counted from the factory call: an accept burst cannot overshoot

    def __call__(self) -> asyncio.Protocol:
        if self.open >= self.limit:
            return _Busy()
        self.open += 1
        return _Counted(self, self.factory())
