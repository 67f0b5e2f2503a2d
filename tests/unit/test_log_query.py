"""Log windows, filters, time order of merged lines and older lines (saving: test_log_save.py)."""

from __future__ import annotations

from collections import deque

import pytest

from tui.engine.logs.merge import merge_into
from tui.engine.logs.query import (
    LogFilter,
    LogQueryError,
    LogWindow,
    older_than,
    parse_window,
)
from tui.engine.logs.stream import STDOUT, LogBuffer, LogLine, order_key


def stamped(second: int, text: str, source: str = "", fraction: str = "000000000") -> LogLine:
    return LogLine(STDOUT, text, f"2024-05-01T10:00:{second:02d}.{fraction}Z", source)


def test_windows_are_lines_durations_or_all():
    assert parse_window("500") == LogWindow(tail=500)
    assert parse_window(" all ") == LogWindow(tail=None)
    assert parse_window("10m") == LogWindow(tail=None, since_s=600)
    assert parse_window("2h").since(now=10_000.0) == 10_000.0 - 7200
    assert parse_window("1d").describe() == "1d" and parse_window("90s").describe() == "90s"
    assert LogWindow(tail=None, since_s=600).engine_tail(bound=5000) == 5000  # never all
    assert LogWindow(tail=None).engine_tail(bound=5000) == "all"


@pytest.mark.parametrize("text", ["", "ten", "-5", "10 minutes", "0m", "5w"])
def test_a_bad_window_says_what_to_type(text: str, bad_input) -> None:
    with pytest.raises(LogQueryError, match="type a number of lines"):
        parse_window(text)
    bad_input(text)


def test_filters_plain_regex_and_case():
    lines = [LogLine(STDOUT, t) for t in ("GET /a 200", "get /b 404", "POST /c 500")]
    assert [x.text for x in LogFilter("get").apply(lines)] == ["GET /a 200", "get /b 404"]
    assert [x.text for x in LogFilter("get", case_sensitive=True).apply(lines)] == ["get /b 404"]
    assert [x.text for x in LogFilter(r" [45]\d\d$", regex=True).apply(lines)] == [
        "get /b 404",
        "POST /c 500",
    ]
    assert [x.text for x in LogFilter("^post", regex=True).apply(lines)] == ["POST /c 500"]
    assert LogFilter("^post", regex=True, case_sensitive=True).apply(lines) == []
    assert LogFilter("(", regex=False).apply(lines) == []  # plain text: no regex meaning
    assert LogFilter().apply(lines) == lines and not LogFilter()


def test_a_bad_regex_is_one_line_saying_what_to_do(bad_input):
    with pytest.raises(LogQueryError) as caught:
        LogFilter("error(", regex=True)
    assert "bad regular expression 'error('" in str(caught.value)
    assert "\n" not in str(caught.value) and "turn regex off" in str(caught.value)
    bad_input("unbalanced parenthesis")


def test_order_key_pads_short_fractions():
    assert order_key(stamped(1, "a", fraction="5")) > order_key(stamped(1, "b", fraction="12"))
    assert order_key(stamped(1, "a")) == "2024-05-01T10:00:01.000000000Z"


def test_merge_into_keeps_time_order_when_a_batch_is_older():
    held = deque([stamped(1, "a1", "a"), stamped(3, "a3", "a"), stamped(5, "a5", "a")], maxlen=10)
    assert merge_into(held, [stamped(6, "b6", "b")]) is False  # newer: appended
    assert merge_into(held, [stamped(4, "b4", "b"), stamped(2, "b2", "b")]) is True
    assert [x.text for x in held] == ["a1", "b2", "a3", "b4", "a5", "b6"]


def test_older_than_cuts_a_longer_tail_at_the_oldest_line_held():
    log = [stamped(i, f"line {i}") for i in range(10)]
    assert older_than(log, log[6]) == log[:6]
    # the oldest held line is no longer there (rotated): fall back on time
    assert older_than(log[:4] + log[7:], stamped(5, "gone")) == log[:4]


def test_buffer_prepends_only_what_fits_and_never_pushes_out_the_newest():
    buffer = LogBuffer(max_lines=5)
    buffer.extend(LogLine(STDOUT, f"new {i}") for i in range(3))
    kept = buffer.prepend([LogLine(STDOUT, f"old {i}") for i in range(4)])
    assert [x.text for x in kept] == ["old 2", "old 3"]
    assert [x.text for x in buffer.lines] == ["old 2", "old 3", "new 0", "new 1", "new 2"]
    assert buffer.room == 0 and buffer.prepend([LogLine(STDOUT, "older")]) == []
