"""Log windows, time keys and older lines at their edges, each answer written out by hand."""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_log_query import stamped
from tui.engine.logs.query import LogWindow, older_than, parse_window
from tui.engine.logs.save import default_save_path
from tui.engine.logs.stream import STDOUT, LogLine, order_key


def line(stamp: str) -> LogLine:
    return LogLine(STDOUT, "x", stamp)


def test_time_keys_of_every_stamp_shape():
    assert order_key(line("2024-05-01T10:00:00.123456789Z")) == "2024-05-01T10:00:00.123456789Z"
    assert order_key(line("2024-05-01T10:00:00.5Z")) == "2024-05-01T10:00:00.500000000Z"
    assert order_key(line("2024-05-01T10:00:00.123456Z")) == "2024-05-01T10:00:00.123456000Z"
    assert order_key(line("2024-05-01T10:00:00Z")) == "2024-05-01T10:00:00.000000000Z"
    assert order_key(line("")) == ""


def test_windows_say_themselves_as_typed():
    assert [parse_window(t).describe() for t in ("500", "all", "90s", "10m", "2h", "1d")] == [
        "500",
        "all",
        "90s",
        "10m",
        "2h",
        "1d",
    ]
    assert LogWindow(tail=None, since_s=3600 * 25).describe() == "25h"  # not a whole day
    assert LogWindow(tail=None, since_s=1.5).describe() == "1.5s"
    assert LogWindow(tail=None, since_s=60).describe() == "1m"


def test_a_time_window_starts_that_long_before_now_and_reads_at_most_the_bound():
    window = parse_window("10m")
    assert window.since(now=10_000.0) == 9_400.0
    assert window.engine_tail(20_000) == 20_000
    assert LogWindow(tail=500).since(now=1.0) is None
    assert LogWindow(tail=500).engine_tail(20_000) == 500
    assert LogWindow(tail=None).engine_tail(20_000) == "all"


def test_older_lines_stop_right_before_the_oldest_held_one():
    log = [stamped(i, f"line {i}") for i in range(5)]
    assert older_than(log, log[0]) == []
    assert older_than(log, log[4]) == log[:4]
    assert older_than(log, stamped(3, "rotated away")) == log[:3]  # same second, not the same
    assert older_than([], log[0]) == []


def test_the_save_path_keeps_only_safe_characters(tmp_path: Path):
    when = 1_714_557_600.0  # 2024-05-01 10:00:00 UTC
    path = default_save_path("../my web/app", now=when, folder=tmp_path)
    assert path.parent == tmp_path
    assert path.name.startswith("my_web_app-") and path.name.endswith(".log")
    assert len(path.name) == len("my_web_app-YYYYmmdd-HHMMSS.log")
    assert default_save_path("...", now=when, folder=tmp_path).name.startswith("logs-")
