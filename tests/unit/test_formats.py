"""The display formats at their edges: each expected text is written out by hand (the docker
CLI's words), so that a changed bound, unit or word shows (bench/mutation.py measures it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tui.engine.containers import ContainerInfo
from tui.views.formats import bytes_size, human_duration, human_size, status_text

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def info(state: str, **extra: object) -> ContainerInfo:
    base = ContainerInfo(
        id="f" * 64,
        name="web",
        image="debian:bookworm-slim",
        state=state,
        exit_code=0,
        created=NOW - timedelta(hours=3),
        started_at=NOW - timedelta(minutes=90),
        finished_at=None,
        ports="",
        command="sleep infinity",
        user="",
        health="",
        restart_count=0,
        tty=False,
    )
    return replace(base, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "0s"),  # a clock a little behind the engine's: never negative
        (0, "0s"),
        (1.9, "1s"),
        (59, "59s"),
        (60, "1m"),
        (3599, "59m"),
        (3600, "1h00m"),
        (5 * 3600 + 7 * 60, "5h07m"),
        (86399, "23h59m"),
        (86400, "1d0h"),
        (3 * 86400 + 5 * 3600, "3d5h"),
    ],
)
def test_durations_change_unit_exactly_at_the_minute_hour_and_day(seconds, text):
    assert human_duration(seconds) == text


def test_sizes_past_the_largest_unit_stay_in_it():
    assert bytes_size(2**90) == "1024YiB"
    assert human_size(5 * 10**26) == "500YB"
    assert bytes_size(2**80) == "1YiB"
    assert bytes_size(9223372036854771712) == "8EiB"  # cgroup v1's "no limit", if shown raw


def test_a_running_container_shows_its_uptime_a_paused_one_says_so():
    assert status_text(info("running"), NOW) == "up 1h30m"
    assert status_text(info("paused"), NOW) == "up 1h30m (paused)"
    assert status_text(info("restarting"), NOW) == "up 1h30m"
    assert status_text(info("running", started_at=NOW - timedelta(seconds=60)), NOW) == "up 1m"


def test_a_stopped_container_shows_its_exit_code_oom_and_how_long_ago():
    stopped = info("exited", exit_code=137, finished_at=NOW - timedelta(minutes=5))
    assert status_text(stopped, NOW) == "exit 137 5m ago"
    assert status_text(replace(stopped, oom_killed=True), NOW) == "exit 137 OOM 5m ago"
    assert status_text(replace(stopped, state="dead"), NOW) == "exit 137 5m ago"
    assert status_text(info("exited", finished_at=None), NOW) == "exit 0"


def test_other_states_are_shown_as_they_are():
    assert status_text(info("created"), NOW) == "created"
    assert status_text(info("removing"), NOW) == "removing"
    assert status_text(info("running", started_at=None), NOW) == "running"


def test_without_a_clock_the_uptime_is_taken_now():
    started = datetime.now(UTC) - timedelta(minutes=10, seconds=5)
    assert status_text(info("running", started_at=started)) in ("up 10m", "up 11m")


def test_a_state_without_times_reads_the_same_listed_and_inspected():
    # Before, a listed row said "Created" and its inspection "created": every such row in
    # view was drawn again a moment after start-up.
    for state in ("created", "removing"):
        listed = info(state, inspected=False, listed_status=state.capitalize())
        assert status_text(listed, NOW) == status_text(info(state), NOW) == state
    listed = info("running", inspected=False, listed_status="Up 5 minutes")
    assert status_text(listed, NOW) == "Up 5 minutes"  # the engine's words until inspected
