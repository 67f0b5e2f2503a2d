"""Engine handles on the real engine: docker-py's failures come out as the project's errors."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import docker
import pytest

from tests.conftest import TEST_IMAGE
from tui.engine.errors import EngineError, ImageMissing, NotFoundError, WaitTimedOut
from tui.engine.footprint import running_footprints
from tui.engine.handles import (
    create_container,
    find_container,
    labelled_containers,
    run_container,
)
from tui.engine.images import image_id, image_labels
from tui.errors import LabError


def _mine(labels: dict[str, str]) -> list[str]:
    return [f"{key}={value}" for key, value in labels.items()]


def test_a_container_runs_prints_and_ends_through_its_handle(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    command = ["sh", "-c", "echo out; echo err >&2; exit 3"]
    handle = create_container(docker_client, image=TEST_IMAGE, command=command, labels=test_labels)
    try:
        assert [c.id for c in labelled_containers(docker_client, _mine(test_labels))] == [handle.id]
        handle.start()
        assert handle.wait(timeout=30) == 3
        assert handle.output(stdout=True, stderr=False) == "out\n"
        assert handle.output(stdout=False, stderr=True) == "err\n"
        assert handle.labels == test_labels
    finally:
        handle.remove()
    assert find_container(docker_client, handle.id) is None


@pytest.mark.fault
def test_a_container_removed_behind_the_handles_back_is_not_found(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    handle = create_container(docker_client, image=TEST_IMAGE, command=["true"], labels=test_labels)
    docker_client.containers.get(handle.id).remove(force=True)
    with pytest.raises(NotFoundError) as caught:
        handle.reload()
    assert isinstance(caught.value, EngineError) and isinstance(caught.value, LabError)
    assert caught.value.status_code == 404
    with pytest.raises(NotFoundError):
        handle.remove()


def test_a_wait_that_runs_out_of_time_is_wait_timed_out(
    docker_client: docker.DockerClient, test_labels: dict[str, str]
) -> None:
    handle = run_container(
        docker_client, image=TEST_IMAGE, command=["sleep", "300"], labels=test_labels, init=True
    )
    try:
        with pytest.raises(WaitTimedOut):
            handle.wait(timeout=1)  # the container sleeps 300 s: the wait cannot end first
        handle.reload()
        assert handle.status == "running"
    finally:
        handle.remove()


@pytest.mark.bad_input
def test_a_missing_image_is_image_missing_and_none(
    docker_client: docker.DockerClient,
    test_labels: dict[str, str],
    bad_input: Callable[[str], None],
) -> None:
    missing = "container-lab/no-such-image:never"
    assert image_id(docker_client, missing) is None
    assert image_labels(docker_client, missing) is None
    with pytest.raises(ImageMissing):
        create_container(docker_client, image=missing, command=["true"], labels=test_labels)
    bad_input("missing image")
    with pytest.raises(EngineError) as caught:
        create_container(
            docker_client, image=TEST_IMAGE, command=["true"], name="bad name!", labels=test_labels
        )
    assert caught.value.status_code == 400
    assert caught.value.explanation is not None
    assert caught.value.explanation.startswith("Invalid container name (bad name!)")
    assert str(caught.value).endswith(f'("{caught.value.explanation}")')  # docker-py's message
    bad_input("invalid container name")
    assert image_id(docker_client, TEST_IMAGE) == docker_client.images.get(TEST_IMAGE).id


def _removed_before_inspect(
    monkeypatch: pytest.MonkeyPatch, client: docker.DockerClient, victim: str
) -> None:
    """Really remove `victim` in the moment between the engine's list and its inspect: the
    window a container another client removes falls into (too short to hit by chance)."""
    inspect = client.api.inspect_container

    def removing_first(resource_id: str) -> dict:
        if resource_id == victim:
            client.api.remove_container(victim, force=True)
        return inspect(resource_id)

    monkeypatch.setattr(client.api, "inspect_container", removing_first)


@pytest.mark.fault
def test_a_container_removed_while_listed_is_left_out_not_an_error(
    docker_client: docker.DockerClient,
    test_labels: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Failed before the fix: `list` raised the engine's 404 for the one removed meanwhile."""
    made = [
        run_container(docker_client, image=TEST_IMAGE, command=["sleep", "60"], labels=test_labels)
        for _ in range(2)
    ]
    try:
        _removed_before_inspect(monkeypatch, docker_client, made[0].id)
        assert [c.id for c in labelled_containers(docker_client, _mine(test_labels))] == [
            made[1].id
        ]
        ids = {fp.id for fp in running_footprints(docker_client)}
        assert made[1].id in ids and made[0].id not in ids
    finally:
        monkeypatch.undo()
        for handle in made:
            with contextlib.suppress(NotFoundError):
                handle.remove()
