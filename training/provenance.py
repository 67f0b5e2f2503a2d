"""What made a model, recorded inside the training container and signed into its seal.

Two sources. The container measures what it can see for itself: the corpus files it read,
the training code and locks in its image, the packages installed (as an SBOM's SHA-256), the
libraries actually imported, the kernel it runs on (gVisor shows its own), its thread settings,
the parameters, seed and times. The host that started it knows the rest and hands it over in
CONTEXT_ENV as JSON: the image's ID and its base image's, the Dockerfile's SHA-256 (a label
set at build time), the engine and runtime, and the host's kernel. A run without that context
(a hand-run `docker compose up`) records those as unknown.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from training.inputs import (
    DEBIAN_LOCK,
    PYTHON_LOCK,
    code_digest,
    corpus_hashes,
    lock_hashes,
    sha256_file,
)
from training.payload import PAYLOAD_FILE, PAYLOAD_PROTOCOL
from training.sbom import (
    MEDIA_TYPE,
    SPEC_VERSION,
    collect_files,
    cyclonedx,
    kind_counts,
    sbom_digest,
)
from training.sbom import packages as sbom_packages

PROVENANCE_FORMAT = "container-lab-provenance/1"
CONTEXT_ENV = "LAB_RUN_CONTEXT"
CODE_DIR = Path(__file__).resolve().parent
INSTALLED_DEBIAN = Path("/usr/share/container-lab/debian-packages.lock")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
CONTEXT_KEYS = ("run_id", "image", "base_image", "dockerfile_sha256", "engine", "runtime", "host")


def run_context(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The host's facts about this run (CONTEXT_ENV), only the known keys; {} when not given."""
    text = (os.environ if environ is None else environ).get(CONTEXT_ENV, "")
    try:
        given = json.loads(text) if text else {}
    except ValueError:
        given = {}
    return {k: given[k] for k in CONTEXT_KEYS if isinstance(given, dict) and k in given}


def plain(value: Any) -> Any:
    """A parameter value as JSON: estimators by class name, other objects by repr."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "get_params"):
        return type(value).__name__
    return repr(value)


def parameters(pipeline: Any) -> dict[str, Any]:
    """The pipeline's parameters, every step's included, as plain values sorted by name."""
    return {k: plain(v) for k, v in sorted(pipeline.get_params(deep=True).items())}


def imported_libraries() -> dict[str, str]:
    """The distributions whose modules this process imported, with their versions."""
    owners = importlib.metadata.packages_distributions()
    found: dict[str, str] = {}
    for module in {name.split(".")[0] for name in list(sys.modules)}:
        for distribution in owners.get(module, []):
            try:
                found[distribution] = importlib.metadata.version(distribution)
            except importlib.metadata.PackageNotFoundError:
                continue
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))


def thread_settings() -> dict[str, Any]:
    """The thread variables and what the native thread pools (BLAS, OpenMP) really use."""
    from threadpoolctl import threadpool_info

    pools = [
        {k: pool.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
        for pool in threadpool_info()
    ]
    keyed = sorted(pools, key=lambda pool: json.dumps(pool, sort_keys=True))
    return {"env": {k: os.environ.get(k) for k in THREAD_VARIABLES}, "pools": keyed}


def sbom_record() -> dict[str, Any]:
    """The SHA-256 of this image's SBOM (CycloneDX), and its package count by kind."""
    files = collect_files()
    return {
        "format": f"CycloneDX {SPEC_VERSION}",
        "media_type": MEDIA_TYPE,
        "sha256": sbom_digest(cyclonedx(files)),
        "components": kind_counts(sbom_packages(files)),
    }


def measured_inputs(data_dir: Path, code_dir: Path = CODE_DIR) -> dict[str, Any]:
    """The inputs this container read, by SHA-256."""
    code, count = code_digest(code_dir)
    locks = lock_hashes(code_dir)
    installed = INSTALLED_DEBIAN.is_file()
    return {
        "corpus": corpus_hashes(data_dir),
        "code": {"sha256": code, "files": count},
        "python_lock": {"path": f"training/{PYTHON_LOCK}", "sha256": locks[PYTHON_LOCK]},
        "debian_lock": {"path": f"training/{DEBIAN_LOCK}", "sha256": locks[DEBIAN_LOCK]},
        "debian_installed": {
            "path": str(INSTALLED_DEBIAN),
            "sha256": sha256_file(INSTALLED_DEBIAN) if installed else "",
        },
        "sbom": sbom_record(),
    }


def provenance_document(
    *,
    digest: str,
    inputs: dict[str, Any],
    pipeline: Any,
    metrics: dict[str, float],
    started: datetime,
    finished: datetime,
    context: dict[str, Any],
) -> dict[str, Any]:
    """The provenance the seal carries (the keys are fixed; see README's training lab)."""
    from training.pipeline import SEED

    host = dict(context.get("host") or {})
    return {
        "format": PROVENANCE_FORMAT,
        "digest": {"sha256": digest, "member": PAYLOAD_FILE, "pickle_protocol": PAYLOAD_PROTOCOL},
        "run_id": context.get("run_id", ""),
        "image": {
            "id": (context.get("image") or {}).get("id", ""),
            "ref": (context.get("image") or {}).get("ref", ""),
            "base": dict(context.get("base_image") or {"name": "", "id": ""}),
        },
        "inputs": {"dockerfile": {"sha256": context.get("dockerfile_sha256", "")}, **inputs},
        "training": {
            "parameters": parameters(pipeline),
            "seed": SEED,
            "split": "held out when the first byte of a text's SHA-256 is divisible by 5",
            "python_hash_seed": os.environ.get("PYTHONHASHSEED"),
            "threads": thread_settings(),
            "python": platform.python_version(),
            "libraries": imported_libraries(),
        },
        "environment": {
            "engine": dict(context.get("engine") or {}),
            "runtime": context.get("runtime", ""),
            "kernel": {"host": host.get("kernel", ""), "inside": platform.release()},
            "machine": platform.machine(),
        },
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "metrics": dict(metrics),
    }
