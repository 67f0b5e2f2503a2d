"""Benchmark 6: cold, no-op and code-only builds of the training image against a naive Dockerfile.

The naive Dockerfile is the usual first attempt: everything copied first, one stage, no
.dockerignore, no cache-friendly order, recommended packages and caches left in place.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import docker

from bench.machine import write_results
from tui.engine.build import build_image

ROOT = Path(__file__).resolve().parents[1]
LABELS = {"org.container-lab.bench": "1"}
NAIVE_DOCKERFILE = """\
FROM debian:bookworm-slim
COPY . /app
WORKDIR /app
RUN apt-get update && apt-get install -y ca-certificates gpg gpg-agent python3 \
    python3-gpg python3-venv
RUN python3 -m venv --system-site-packages /opt/venv
RUN /opt/venv/bin/pip install --require-hashes --no-deps -r training/requirements.lock
ENTRYPOINT ["/opt/venv/bin/python", "-m", "training.train"]
"""


def make_context(target: Path, naive: bool) -> Path:
    """A copy of the project's build inputs (and, for the naive build, everything beside them)."""
    target.mkdir(parents=True)
    shutil.copytree(
        ROOT / "training", target / "training", ignore=shutil.ignore_patterns("__pycache__")
    )
    if naive:
        (target / "Dockerfile").write_text(NAIVE_DOCKERFILE)
        for extra in ("README.md", "pyproject.toml", "uv.lock", "tui", "tests"):
            source = ROOT / extra
            if source.is_dir():
                shutil.copytree(
                    source, target / extra, ignore=shutil.ignore_patterns("__pycache__")
                )
            elif source.exists():
                shutil.copy2(source, target / extra)
    else:
        shutil.copy2(ROOT / "Dockerfile", target / "Dockerfile")
        shutil.copy2(ROOT / ".dockerignore", target / ".dockerignore")
    return target


def timed_build(
    client: docker.DockerClient, context: Path, tag: str, *, nocache: bool
) -> dict[str, Any]:
    """Build once; return seconds, steps and cached steps."""
    started = time.monotonic()
    result = build_image(client, context, tag, labels=LABELS, nocache=nocache)
    return {
        "seconds": round(time.monotonic() - started, 2),
        "steps": len(result.steps),
        "cached_steps": result.cached_steps,
    }


def measure(client: docker.DockerClient, context: Path, tag: str, *, cold: bool) -> dict[str, Any]:
    """Cold (or warm, in smoke runs), no-op and code-only builds, and the image size."""
    figures = {"first_build": timed_build(client, context, tag, nocache=cold)}
    figures["first_build"]["cold"] = cold
    figures["noop_rebuild"] = timed_build(client, context, tag, nocache=False)
    with (context / "training" / "train.py").open("a") as handle:
        handle.write(f"\n# code-only change {time.time()}\n")
    figures["code_only_rebuild"] = timed_build(client, context, tag, nocache=False)
    figures["image_size_mb"] = round(client.images.get(tag).attrs["Size"] / 1e6, 1)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Build both ways and write bench/results/image_builds.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="warm first builds (cache allowed)")
    args = parser.parse_args(argv)
    client = docker.from_env(timeout=900)
    results: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-builds-") as tmp:
            for kind in ("ours", "naive"):
                context = make_context(Path(tmp) / kind, naive=kind == "naive")
                results[kind] = measure(
                    client, context, f"container-lab/bench:{kind}", cold=not args.smoke
                )
    finally:
        for kind in ("ours", "naive"):
            with contextlib.suppress(docker.errors.APIError):
                client.images.remove(f"container-lab/bench:{kind}", force=True)
    ours, naive = results["ours"], results["naive"]
    ratios = {
        "code_only_rebuild_speedup": round(
            naive["code_only_rebuild"]["seconds"] / max(ours["code_only_rebuild"]["seconds"], 0.01),
            1,
        ),
        "image_size_ratio_naive_vs_ours": round(naive["image_size_mb"] / ours["image_size_mb"], 2),
    }
    path = write_results("image_builds", {**results, "ratios": ratios}, smoke=args.smoke)
    mine, theirs = ours["code_only_rebuild"], naive["code_only_rebuild"]
    print(
        f"image builds: code-only rebuild {mine['seconds']} s "
        f"({mine['cached_steps']}/{mine['steps']} cached) vs naive {theirs['seconds']} s "
        f"({theirs['cached_steps']}/{theirs['steps']} cached): "
        f"{ratios['code_only_rebuild_speedup']}x; size {ours['image_size_mb']} MB vs "
        f"{naive['image_size_mb']} MB -> {path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
