"""Image builds through the classic builder API, step by step, with cached steps marked."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker
from docker.errors import APIError, DockerException

from tui.errors import LabError

_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
CACHE_LINE = "---> Using cache"


@dataclass
class BuildStep:
    """One Dockerfile instruction and whether the builder took it from its cache."""

    number: int
    total: int
    instruction: str
    cached: bool = False


@dataclass
class BuildResult:
    """What a build did: its steps, the image id and every line of output."""

    image_id: str = ""
    steps: list[BuildStep] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def cached_steps(self) -> int:
        """How many steps came from the cache."""
        return sum(step.cached for step in self.steps)


@dataclass
class BuildProgress:
    """Where a classic-builder build is, from its output lines: step n of N, cached so far.

    The builder prints `Step 3/20 : RUN …` as it starts a step and ` ---> Using cache` when the
    step came from the cache; steps before the current one are done.
    """

    step: int = 0
    total: int = 0
    cached: int = 0
    instruction: str = ""
    current_cached: bool = False

    def feed(self, line: str) -> bool:
        """Take one output line; True when it moved the build on (a step or a cache hit)."""
        match = _STEP.match(line.strip())
        if match:
            number, total, instruction = match.groups()
            self.step, self.total, self.instruction = int(number), int(total), instruction
            self.current_cached = False
            return True
        if line.strip() == CACHE_LINE and self.step and not self.current_cached:
            self.current_cached = True
            self.cached += 1
            return True
        return False

    @property
    def fraction(self) -> float:
        """Steps done out of all steps (a cached step counts as done), 0 before the first."""
        if not self.total:
            return 0.0
        done = self.step if self.current_cached else self.step - 1
        return max(0.0, min(1.0, done / self.total))

    def describe(self) -> str:
        """`step 3 of 20 (2 cached): RUN …`."""
        if not self.total:
            return "sending the build context"
        cached = f" ({self.cached} cached)" if self.cached else ""
        return f"step {self.step} of {self.total}{cached}: {self.instruction}"


def stream_build(
    client: docker.DockerClient,
    context: Path,
    tag: str,
    *,
    buildargs: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    nocache: bool = False,
    result: BuildResult | None = None,
) -> Iterator[str]:
    """Build `context` into `tag`, yielding output lines and filling `result` as it goes.

    Raises LabError naming the failing step.
    """
    result = result if result is not None else BuildResult()
    progress = BuildProgress()
    try:
        chunks = client.api.build(
            path=str(context),
            tag=tag,
            buildargs=buildargs or {},
            labels=labels or {},
            decode=True,
            rm=True,
            forcerm=True,
            nocache=nocache,
        )
        for chunk in chunks:
            if "error" in chunk:
                step = result.steps[-1].instruction if result.steps else "before the first step"
                message = " ".join(str(chunk["error"]).split())
                raise LabError(f"image build failed at `{step}`: {message}")
            if "aux" in chunk and isinstance(chunk["aux"], dict) and "ID" in chunk["aux"]:
                result.image_id = chunk["aux"]["ID"]
            text = chunk.get("stream") or chunk.get("status") or ""
            for line in str(text).splitlines():
                line = line.rstrip()
                if not line:
                    continue
                if progress.feed(line):
                    if progress.current_cached:
                        result.steps[-1].cached = True
                    else:
                        result.steps.append(
                            BuildStep(progress.step, progress.total, progress.instruction)
                        )
                result.lines.append(line)
                yield line
    except APIError as exc:
        raise LabError(f"image build failed: {exc.explanation or exc}") from exc
    except DockerException as exc:
        raise LabError(f"image build failed: {exc}") from exc


def build_image(
    client: docker.DockerClient,
    context: Path,
    tag: str,
    *,
    buildargs: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    on_line: Callable[[str], None] | None = None,
    nocache: bool = False,
) -> BuildResult:
    """Build and return the result, passing each output line to `on_line`."""
    result = BuildResult()
    for line in stream_build(
        client, context, tag, buildargs=buildargs, labels=labels, nocache=nocache, result=result
    ):
        if on_line:
            on_line(line)
    return result
