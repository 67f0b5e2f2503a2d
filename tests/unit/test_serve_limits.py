"""The served dashboard's pure limits: terminal sizes, tickets, keystroke budget, connections.

The real server, sockets and browsers are in tests/integration/test_serve_*.py.
"""

from __future__ import annotations

import resource

import pytest

from tui.serve.limits import (
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_TICKETS,
    MIN_COLUMNS,
    MIN_ROWS,
    StdinBudget,
    TicketBook,
    clamp_size,
    connection_limit,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_terminal_sizes_are_clamped_and_junk_is_80x24() -> None:
    assert clamp_size(20000, 20000) == (MAX_COLUMNS, MAX_ROWS)
    assert clamp_size("120", "40") == (120, 40)
    assert clamp_size(-5, 0) == (MIN_COLUMNS, MIN_ROWS)
    assert clamp_size("wide", None) == (80, 24)
    assert clamp_size("1e9", [1]) == (80, 24)


def test_a_ticket_opens_once_and_only_while_it_is_fresh() -> None:
    clock = Clock()
    book = TicketBook(seconds=30, clock=clock)
    first, second, late = book.issue(), book.issue(), book.issue()
    assert first != second and len(first) >= 32
    assert book.redeem(first)
    assert not book.redeem(first)  # single use
    assert not book.redeem("made-up")
    clock.now += 30
    assert book.redeem(second)  # at the limit still
    clock.now += 0.1
    assert not book.redeem(late)  # expired...
    assert not book.redeem(late)  # ...and gone


def test_unused_tickets_are_bounded_the_oldest_going_first() -> None:
    book = TicketBook(clock=Clock())
    tickets = [book.issue() for _ in range(MAX_TICKETS + 5)]
    assert len(book.issued) == MAX_TICKETS
    assert not book.redeem(tickets[0])
    assert book.redeem(tickets[-1])


def test_keystrokes_pass_at_once_within_the_burst_then_at_the_rate() -> None:
    clock = Clock()
    budget = StdinBudget(burst=1000, rate=100, clock=clock)
    assert budget.wait_for(600) == 0
    assert budget.wait_for(400) == 0
    assert budget.wait_for(50) == pytest.approx(0.5)  # 50 bytes over, at 100 bytes/s
    clock.now += 10.5  # the 50 paid off, then refilled, but never above the burst
    assert budget.wait_for(1000) == 0
    assert budget.wait_for(100) == pytest.approx(1.0)


def test_the_connection_cap_stays_well_below_the_fd_limit(monkeypatch) -> None:
    monkeypatch.setattr(resource, "getrlimit", lambda which: (1024, 1024))
    assert connection_limit(256) == 256
    monkeypatch.setattr(resource, "getrlimit", lambda which: (200, 4096))
    assert connection_limit(256) == 50
