"""A real classic-builder build read as progress: every step seen, the rebuild's steps cached."""

from __future__ import annotations

import docker

from tests.conftest import session_tag
from tui.engine.build import BuildProgress, build_image


def _build(client, context, labels) -> tuple[BuildProgress, list[tuple[int, int, int]]]:
    progress = BuildProgress()
    moves: list[tuple[int, int, int]] = []

    def on_line(line: str) -> None:
        if progress.feed(line):
            moves.append((progress.step, progress.total, progress.cached))

    build_image(client, context, session_tag("-progress"), labels=labels, on_line=on_line)
    return progress, moves


def test_a_real_build_reports_step_n_of_n_and_its_rebuild_is_cached(
    docker_client: docker.DockerClient, tmp_path, test_labels
):
    # The random file makes the first build's RUN step new to the cache, whatever ran before.
    (tmp_path / "Dockerfile").write_text(
        "FROM debian:bookworm-slim\nCOPY nonce /nonce\nRUN cat /nonce > /copy\nLABEL step=three\n"
    )
    (tmp_path / "nonce").write_text(tmp_path.name + str(id(tmp_path)))
    steps = 4 + len(test_labels)  # the builder adds a LABEL step for each label it is given
    first, first_moves = _build(docker_client, tmp_path, test_labels)
    assert [move[:2] for move in first_moves] == [(n, steps) for n in range(1, steps + 1)]
    assert first.cached == 0
    second, _ = _build(docker_client, tmp_path, test_labels)
    assert (second.step, second.total) == (steps, steps)
    assert second.cached == steps - 1, "every step after FROM comes from the cache on a rebuild"
    assert second.fraction == 1.0
