"""Which containers a round of cgroup reads takes (tui/engine/stats/scheduler.py)."""

from __future__ import annotations

from tui.engine.stats.scheduler import CGROUP_OFF_SCREEN_ROUNDS, cgroup_round

PIDS = {"shown": 11, "hidden": 12, "also-hidden": 13}


def test_the_rows_shown_are_read_every_round_the_others_every_few() -> None:
    taken = [set(cgroup_round(PIDS, {"shown"}, n)) for n in range(2 * CGROUP_OFF_SCREEN_ROUNDS)]
    assert CGROUP_OFF_SCREEN_ROUNDS == 5
    assert taken == [set(PIDS), *[{"shown"}] * 4, set(PIDS), *[{"shown"}] * 4]
    assert cgroup_round(PIDS, {"shown"}, 0) == PIDS  # with their pids


def test_every_one_is_read_each_round_until_the_view_says_what_it_shows() -> None:
    assert all(cgroup_round(PIDS, None, n) == PIDS for n in range(CGROUP_OFF_SCREEN_ROUNDS))


def test_nothing_shown_reads_only_the_full_rounds() -> None:
    assert [len(cgroup_round(PIDS, set(), n)) for n in range(6)] == [3, 0, 0, 0, 0, 3]


def test_a_shown_id_that_is_not_running_is_not_read() -> None:
    assert cgroup_round(PIDS, {"gone", "shown"}, 1) == {"shown": 11}
