"""This checkout's training inputs against those a model's provenance records, named one by one.

The hashes are made by training.inputs, the same functions the training container used, so a
difference is a difference in the files, never in how they were hashed.
"""

from __future__ import annotations

from typing import Any

from training.inputs import DEBIAN_LOCK, PYTHON_LOCK, code_digest, corpus_hashes, lock_hashes
from training.inputs import sha256_file as file_sha256
from tui.paths import LabPaths


def checkout_inputs(paths: LabPaths) -> dict[str, Any]:
    """The inputs of a run from this checkout, shaped as the provenance's `inputs`."""
    training = paths.project / "training"
    dockerfile = paths.project / "Dockerfile"
    code, count = code_digest(training)
    locks = lock_hashes(training)
    return {
        "dockerfile": {"sha256": file_sha256(dockerfile) if dockerfile.is_file() else ""},
        "python_lock": {"path": f"training/{PYTHON_LOCK}", "sha256": locks[PYTHON_LOCK]},
        "debian_lock": {"path": f"training/{DEBIAN_LOCK}", "sha256": locks[DEBIAN_LOCK]},
        "code": {"sha256": code, "files": count},
        "corpus": corpus_hashes(paths.data) if paths.data.is_dir() else {},
    }


def _short(sha256: str) -> str:
    return sha256[:12] if sha256 else "none"


def corpus_differences(here: dict[str, str], recorded: dict[str, str]) -> list[str]:
    """Each corpus file that differs, is new, or is missing here."""
    found = []
    for name in sorted(set(here) | set(recorded)):
        if name not in here:
            found.append(f"corpus file {name} is missing here")
        elif name not in recorded:
            found.append(f"corpus file {name} is new here")
        elif here[name] != recorded[name]:
            found.append(
                f"corpus file {name} differs (sha256 {_short(here[name])} here, "
                f"{_short(recorded[name])} recorded)"
            )
    return found


def input_differences(
    provenance: dict[str, Any], here: dict[str, Any], base: tuple[str, str]
) -> list[str]:
    """What differs between the recorded inputs and `here` (checkout_inputs), each named;
    `base` is this engine's (name, id) of the Dockerfile's base image."""
    recorded = provenance.get("inputs") or {}
    found = []
    for key, name in (
        ("dockerfile", "Dockerfile"),
        ("python_lock", f"training/{PYTHON_LOCK}"),
        ("debian_lock", f"training/{DEBIAN_LOCK}"),
    ):
        was = str((recorded.get(key) or {}).get("sha256", ""))
        now = str(here[key]["sha256"])
        if was != now:
            found.append(f"{name} differs (sha256 {_short(now)} here, {_short(was)} recorded)")
    code = recorded.get("code") or {}
    if code.get("sha256") != here["code"]["sha256"]:
        found.append(
            f"the training code differs ({here['code']['files']} files here, "
            f"{code.get('files', '?')} recorded)"
        )
    found += corpus_differences(here["corpus"], dict(recorded.get("corpus") or {}))
    recorded_base = (provenance.get("image") or {}).get("base") or {}
    name, image_id = base
    if recorded_base.get("name") and recorded_base.get("name") != name:
        found.append(f"the base image is {name} here, {recorded_base['name']} recorded")
    elif recorded_base.get("id") and recorded_base.get("id") != image_id:
        found.append(
            f"the base image {name} is {image_id[:19] or 'missing'} here, "
            f"{recorded_base['id'][:19]} recorded"
        )
    return found
