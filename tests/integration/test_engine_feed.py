"""The engine feed on its own, with no app and no Pilot: what it reports from a real engine.

The feed (tui/engine/feed.py) is driven directly: its reports are collected from its threads,
and each test waits on them with generous bounds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import docker
import pytest
from docker.models.containers import Container

from tests.conftest import TEST_IMAGE
from tui.engine import feed as engine_feed
from tui.engine.actions import ContainerAction
from tui.engine.backend import DockerBackend
from tui.engine.feed import EngineFeed, FeedEvent
from tui.engine.stats.api import StatsSample
from tui.engine.stats.scheduler import SLOW_SAMPLES_PER_ROUND

pytestmark = pytest.mark.docker


class Reports:
    """Every event a feed reported, in order, from whichever thread."""

    def __init__(self) -> None:
        self.events: list[FeedEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: FeedEvent) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, kind: type[FeedEvent]) -> list[FeedEvent]:
        with self._lock:
            return [e for e in self.events if isinstance(e, kind)]

    def wait(self, condition: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.05)


@pytest.fixture()
def sleepers(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> Iterator[list[Container]]:
    made = [
        docker_client.containers.run(
            TEST_IMAGE, ["sleep", "300"], detach=True, labels=test_labels, network_mode="none"
        )
        for _ in range(3)
    ]
    try:
        yield made
    finally:
        for container in made:
            container.remove(force=True)


def _feed(stats: str, reports: Reports, **kwargs: float) -> EngineFeed:
    return EngineFeed(DockerBackend(stats=stats), reports, name="local", **kwargs)  # type: ignore[arg-type]


def test_the_feed_reports_lists_samples_and_changes_then_nothing_after_close(
    sleepers: list[Container],
) -> None:
    reports = Reports()
    feed = _feed("auto", reports)
    ids = {c.id for c in sleepers}
    feed.start()
    try:
        reports.wait(lambda: bool(reports.of(engine_feed.EngineUp)), "the engine to answer")
        reports.wait(
            lambda: any(
                ids <= {i.id for i in e.containers}  # type: ignore[attr-defined]
                for e in reports.of(engine_feed.ContainersLoaded)
            ),
            "the list with our containers",
        )
        listed = reports.of(engine_feed.ContainersLoaded)[-1]
        assert {i.engine for i in listed.containers} == {"local"}  # type: ignore[attr-defined]
        sampled: set[str] = set()

        def took() -> set[str]:
            sampled.update(s.container_id for s in feed.take_samples())
            return sampled

        reports.wait(lambda: ids <= took(), "a sample of each (cgroup files here)")
        target = sleepers[0]
        feed.run_action(target.id, ContainerAction.KILL, target.name)
        reports.wait(
            lambda: any(
                e.container_id == target.id and e.info is not None and e.info.state == "exited"  # type: ignore[attr-defined]
                for e in reports.of(engine_feed.ContainerChanged)
            ),
            "the kill to show as a change of that container",
        )
        # The action's own report and the change its event brings come from two threads.
        reports.wait(lambda: bool(reports.of(engine_feed.EngineRequestDone)), "the kill's report")
        assert [e.error for e in reports.of(engine_feed.EngineRequestDone)] == [""]  # type: ignore[attr-defined]
    finally:
        feed.close(wait=10.0)
    count = len(reports.events)
    sleepers[1].kill()  # an event the closed feed must not report
    time.sleep(1.0)  # nothing can arrive: this only gives a wrong feed the chance to
    assert len(reports.events) == count
    assert not [t for t in threading.enumerate() if t.name.startswith("feed-local-")]


def test_from_cgroup_files_the_rows_shown_are_read_every_round_the_others_every_few(
    sleepers: list[Container],
) -> None:
    # Rounds, not seconds, are counted: the three rows shown get three figures while the two
    # off screen get none, however slow the machine (they are read every fifth round).
    reports = Reports()
    feed = _feed("cgroup", reports)
    shown, hidden = sleepers[0].id, {c.id for c in sleepers[1:]}
    counts: dict[str, int] = {}

    def took() -> dict[str, int]:
        for sample in feed.take_samples():
            counts[sample.container_id] = counts.get(sample.container_id, 0) + 1
        return counts

    feed.show({shown})
    try:
        feed.start()
        reports.wait(lambda: {shown, *hidden} <= took().keys(), "the first round: every one")
        assert feed.collector is not None and not feed.streamed and not feed.paced
        counts.clear()
        reports.wait(lambda: took().get(shown, 0) >= 3, "three more rounds of the row shown")
        assert not hidden & counts.keys(), counts
        reports.wait(lambda: hidden <= took().keys(), "the rows off screen, a few rounds later")
    finally:
        feed.close(wait=10.0)


def test_over_the_api_only_the_containers_shown_are_streamed_the_rest_sampled_slowly(
    sleepers: list[Container],
) -> None:
    reports = Reports()
    feed = _feed("api", reports, slow_sample_seconds=5.0)
    shown, hidden = sleepers[0].id, {c.id for c in sleepers[1:]}
    feed.show({shown})
    feed.start()
    sampled: set[str] = set()

    def took() -> set[str]:
        sampled.update(s.container_id for s in feed.take_samples())
        return sampled

    try:
        reports.wait(lambda: {shown, *hidden} <= took(), "samples of all three", 60.0)
        assert feed.streamed & {shown, *hidden} == {shown}
        feed.show(hidden)  # the shown one scrolled away; the others came into view
        reports.wait(
            lambda: feed.streamed & {shown, *hidden} == hidden, "the streams to follow the view"
        )
    finally:
        feed.close(wait=10.0)


def test_over_the_api_more_rows_shown_than_streamed_are_paced_then_streamed_again(
    sleepers: list[Container],
) -> None:
    # A tall terminal shows more rows than the streams budget: following each every second would
    # cost the engine a collection each a second (40 rows at 200x50: 0.8x `docker stats` on 100).
    # They are paced instead (a one-shot request every few rounds); when they fit, streamed.
    reports = Reports()
    feed = _feed("api", reports, streamed_rows=1)  # three shown: a figure every third round
    ids = {c.id for c in sleepers}
    feed.show(ids)
    feed.start()
    taken: dict[str, list[StatsSample]] = {cid: [] for cid in ids}

    def took(wanted: int) -> bool:
        for sample in feed.take_samples():
            if sample.container_id in taken:  # not others' containers, sampled slowly
                taken[sample.container_id].append(sample)
        return all(len(samples) >= wanted for samples in taken.values())

    try:
        reports.wait(lambda: took(2), "two samples of each row shown", 60.0)
        assert feed.paced == ids and not feed.streamed & ids
        assert feed.stats.every == 3 and feed.stats.paced_pause > 2.0
        # Each later figure is a one-shot one: CPU counters from the engine, CPU % since the last.
        assert all(s.system_total > 0 for samples in taken.values() for s in samples[1:])
        kept = sleepers[0].id
        feed.show({kept})  # the terminal shrank: one row, within the budget, is streamed
        reports.wait(lambda: feed.streamed & ids == {kept}, "the row to be streamed")
        assert not feed.paced
    finally:
        feed.close(wait=10.0)


def test_over_the_api_every_container_off_screen_is_sampled_when_more_are_due_than_a_round_takes(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    # Twice as many hidden containers as a round of slow samples takes, each due again a second
    # after its sample: a sampler that takes them in set order samples the same ones every round.
    count = 2 * SLOW_SAMPLES_PER_ROUND
    made = [
        docker_client.containers.run(
            TEST_IMAGE, ["sleep", "300"], detach=True, labels=test_labels, network_mode="none"
        )
        for _ in range(count)
    ]
    reports = Reports()
    feed = _feed("api", reports, slow_sample_seconds=1.0)
    feed.show(set())  # nothing on screen: every one is sampled slowly
    sampled: set[str] = set()

    def took() -> set[str]:
        sampled.update(s.container_id for s in feed.take_samples())
        return sampled

    try:
        feed.start()
        reports.wait(lambda: {c.id for c in made} <= took(), f"a sample of all {count}", 90.0)
        assert not feed.streamed
    finally:
        feed.close(wait=10.0)
        for container in made:
            container.remove(force=True)


def test_a_one_off_sample_after_an_earlier_one_gives_the_cpu_used_in_between(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    # What a row off screen gets over the API: the engine answers at once (one-shot) and the
    # CPU % is computed from the counters of the container's previous sample.
    busy = docker_client.containers.run(
        TEST_IMAGE,
        ["sh", "-c", "while :; do :; done"],
        detach=True,
        labels=test_labels,
        network_mode="none",
    )
    idle = docker_client.containers.run(
        TEST_IMAGE, ["sleep", "300"], detach=True, labels=test_labels, network_mode="none"
    )
    backend = DockerBackend()
    backend.connect()
    try:
        for container, loaded in ((busy, True), (idle, False)):
            first = backend.stats_once(container.id)
            assert first is not None and first.cpu_total > 0 and first.system_total > 0
            time.sleep(1.0)  # some CPU time between the two samples
            second = backend.stats_once(container.id, first)
            assert second is not None and second.system_total > first.system_total
            if loaded:  # a shell spinning: about one core (the engine's two clocks drift a bit)
                assert 10.0 < second.cpu_percent < 150.0, second.cpu_percent
            else:
                assert second.cpu_percent < 5.0, second.cpu_percent
        assert backend.stats_once(idle.id, None) is not None  # no earlier one: the slow way
    finally:
        backend.close()
        for container in (busy, idle):
            container.remove(force=True)
