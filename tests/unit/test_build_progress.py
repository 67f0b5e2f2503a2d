"""The classic builder's output read as progress: step n of N, cached steps counted."""

from tui.engine.build import BuildProgress

# The shape of a real classic-builder stream (docker-py `api.build(decode=True)` "stream" lines).
STREAM = [
    "Step 1/4 : ARG BASE_IMAGE=debian:bookworm-slim",
    "Step 2/4 : FROM ${BASE_IMAGE}",
    " ---> 1b2c3d4e5f60",
    "Step 3/4 : RUN apt-get update",
    " ---> Using cache",
    " ---> 2c3d4e5f6071",
    "Step 4/4 : COPY training /app/training",
    " ---> 3d4e5f607182",
    "Successfully built 3d4e5f607182",
]


def test_each_step_line_moves_the_build_on_and_cache_hits_are_counted():
    progress = BuildProgress()
    assert progress.fraction == 0.0 and progress.describe() == "sending the build context"
    seen = []
    for line in STREAM:
        if progress.feed(line):
            seen.append((progress.step, progress.total, progress.cached, progress.fraction))
    assert seen == [
        (1, 4, 0, 0.0),
        (2, 4, 0, 0.25),
        (3, 4, 0, 0.5),
        (3, 4, 1, 0.75),  # a cached step is done the moment the builder says so
        (4, 4, 1, 0.75),
    ]
    assert progress.describe() == "step 4 of 4 (1 cached): COPY training /app/training"


def test_other_lines_change_nothing():
    progress = BuildProgress()
    assert not progress.feed(" ---> Using cache")  # before any step: nothing to mark
    progress.feed("Step 2/9 : RUN true")
    for line in ("", " ---> Running in 0a1b2c", "Removing intermediate container 0a1b2c"):
        assert not progress.feed(line)
    assert not progress.feed("Step 10/9 and more : not a step line at all")
    assert (progress.step, progress.total, progress.cached) == (2, 9, 0)


def test_a_repeated_cache_line_counts_once():
    progress = BuildProgress()
    progress.feed("Step 1/2 : RUN true")
    assert progress.feed(" ---> Using cache")
    assert not progress.feed(" ---> Using cache")
    assert progress.cached == 1
