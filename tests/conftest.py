"""Shared fixtures: the real Docker engine, and labels that mark what the tests made.

With LAB_REQUIRE_DOCKER=1 (set by .ci/run) a test that would be skipped fails instead, so a
missing engine can never pass as green.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from typing import cast

import docker
import pytest

TEST_LABEL = "org.container-lab.test"
TEST_IMAGE = os.environ.get("LAB_TEST_BASE_IMAGE", "debian:bookworm-slim")
REQUIRE_DOCKER = os.environ.get("LAB_REQUIRE_DOCKER") == "1"
# Each session labels its objects with its own id and removes only those, so two test runs (or
# an engineer's own labelled containers) never clean up each other's.
SESSION_ID = uuid.uuid4().hex[:12]
SESSION_LABELS = {TEST_LABEL: SESSION_ID}
TEST_IMAGE_REPOSITORY = "container-lab/training"  # tags test-<session id>* belong to the tests


def session_tag(suffix: str = "") -> str:
    """An image tag of this session's own, removed when the session ends."""
    return f"{TEST_IMAGE_REPOSITORY}:test-{SESSION_ID}{suffix}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Under LAB_REQUIRE_DOCKER=1, turn every skip into a failure."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if REQUIRE_DOCKER and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skip forbidden by LAB_REQUIRE_DOCKER=1: {report.longrepr}"


ROBUSTNESS_KINDS = ("bad_input", "fault")
FUZZ = "fuzz"


def _recorder(request: pytest.FixtureRequest, kind: str) -> Callable[[str], None]:
    def record(name: str) -> None:
        request.node.user_properties.append((kind, name))

    return record


@pytest.fixture()
def bad_input(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Call with the name of each bad input the test tried, after asserting it was refused."""
    return _recorder(request, "bad_input")


@pytest.fixture()
def fault(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Call with the name of each fault the test survived, after asserting it was survived."""
    return _recorder(request, "fault")


@pytest.fixture()
def fuzz(request: pytest.FixtureRequest) -> Callable[[str, dict[str, int]], None]:
    """Call with a fuzzing campaign's name and its count of refusals per check (or outcome)."""

    def record(campaign: str, counts: dict[str, int]) -> None:
        request.node.user_properties.append((FUZZ, (campaign, dict(counts))))

    return record


def robustness_counts(reports: list[pytest.TestReport]) -> dict[str, tuple[int, int]]:
    """Per kind: (distinct named classes, tests). Only passed tests count.

    A class is counted once however many tests record it; a marked test that records none is
    a class of its own (its test id without parameters).
    """
    classes: dict[str, set[str]] = {kind: set() for kind in ROBUSTNESS_KINDS}
    tests = dict.fromkeys(ROBUSTNESS_KINDS, 0)
    for report in reports:
        if report.when != "call" or not report.passed:
            continue
        for kind in ROBUSTNESS_KINDS:
            recorded = {str(name) for key, name in report.user_properties if key == kind}
            if recorded or kind in report.keywords:
                classes[kind] |= recorded or {report.nodeid.split("[")[0]}
                tests[kind] += 1
    return {kind: (len(classes[kind]), tests[kind]) for kind in ROBUSTNESS_KINDS}


def fuzz_counts(reports: list[pytest.TestReport]) -> dict[str, dict[str, int]]:
    """Per fuzzing campaign, its counts summed over the passed tests that ran it."""
    totals: dict[str, dict[str, int]] = {}
    for report in reports:
        if report.when != "call" or not report.passed:
            continue
        for key, value in report.user_properties:
            if key == FUZZ:
                campaign, counts = cast(tuple[str, dict[str, int]], value)
                bucket = totals.setdefault(campaign, {})
                for name, count in counts.items():
                    bucket[name] = bucket.get(name, 0) + count
    return totals


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Distinct bad-input classes refused and faults survived in passed tests; fuzzing apart."""
    passed = terminalreporter.stats.get("passed", [])
    counts = robustness_counts(passed)
    (bad, bad_tests), (faults, fault_tests) = counts["bad_input"], counts["fault"]
    terminalreporter.write_line(
        f"robustness: {bad} distinct bad-input classes refused cleanly (in {bad_tests} tests), "
        f"{faults} distinct faults survived (in {fault_tests} tests)"
    )
    for campaign, tally in sorted(fuzz_counts(passed).items()):
        detail = ", ".join(f"{name} {count}" for name, count in sorted(tally.items()))
        terminalreporter.write_line(f"fuzzing, {campaign}: {detail}")
    if CLUSTER_TIMINGS:
        costs = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in CLUSTER_TIMINGS.items())
        terminalreporter.write_line(f"cluster: the session's 3-node Swarm cost {costs}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that use the engine carry the `docker` marker; the benchmarks' smoke runs go last.

    Last, because the image builds' smoke run then finds the training image's costly layers
    (its packages, before any build argument) in the layer cache, built for the training image
    the integration tests use (this session's or, in CI, the main session's: .ci/beside),
    instead of building them cold and removing them before that fixture builds them again.
    """
    for item in items:
        if "docker_client" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.docker)
    items.sort(key=lambda item: item.nodeid.startswith("tests/bench/"))


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    """A client of the real engine; skip (or fail under LAB_REQUIRE_DOCKER=1) when none answers."""
    try:
        client = docker.from_env(max_pool_size=64)
        client.ping()
    except Exception as exc:
        message = f"no Docker engine answers ({exc}); run `container-lab engine up`"
        if REQUIRE_DOCKER:
            pytest.fail(message)
        pytest.skip(message)
    yield client
    remove_test_objects(client)
    client.close()


def remove_test_objects(client: docker.DockerClient) -> None:
    """Remove the containers and images the tests labelled as theirs, and nothing else."""
    mine = f"{TEST_LABEL}={SESSION_ID}"
    for container in client.containers.list(ignore_removed=True, all=True, filters={"label": mine}):
        container.remove(force=True)
    for image in client.images.list(name=TEST_IMAGE_REPOSITORY):
        for tag in image.tags:
            if tag.startswith(session_tag()):
                with contextlib.suppress(docker.errors.APIError):
                    client.images.remove(tag, force=True)
    for image in client.images.list(filters={"label": mine}):
        with contextlib.suppress(docker.errors.APIError):
            client.images.remove(image.id, force=True)


@pytest.fixture()
def test_labels(request: pytest.FixtureRequest) -> dict[str, str]:
    """Labels for a throwaway object made by this test."""
    return {**SESSION_LABELS, f"{TEST_LABEL}.name": request.node.name[:60]}


# The session's Swarm (tests/cluster_fixture.py), for the integration and bench tests alike.
from tests.cluster_fixture import TIMINGS as CLUSTER_TIMINGS  # noqa: E402
from tests.cluster_fixture import swarm_cluster  # noqa: E402, F401
