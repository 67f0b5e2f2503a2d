"""Verify a model tarball: structure, signature by a trusted key, and model validation.

Usage: python -m training.verify TARBALL

Prints one JSON line: {"ok": true, "model": ..., "metrics": ..., "signature": ...} or
{"ok": false, "reason": "..."}; exits 0 or 1. Trust comes only from SERIALIZATION_TRUSTED_KEYS_DIR.
"""

from __future__ import annotations

import json
import os
import sys
import tarfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Any


class RefusedModel(Exception):
    """The tarball is not a valid, trusted, working model; the message says why in one line."""


def check_structure(path: Path) -> None:
    """Refuse what is not a complete gzip tarball of one model folder with safe member names."""
    if not path.is_file():
        raise RefusedModel(f"{path.name} is not a file")
    if path.stat().st_size == 0:
        raise RefusedModel(f"{path.name} is empty")
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = archive.getmembers()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise RefusedModel(f"{path.name} is not a complete gzip tarball ({exc})") from exc
    if not members:
        raise RefusedModel(f"{path.name} holds no files")
    tops = set()
    for member in members:
        name = PurePosixPath(member.name)
        if name.is_absolute() or ".." in name.parts:
            raise RefusedModel(f"{path.name} has an unsafe member path: {member.name}")
        if member.issym() or member.islnk() or member.isdev():
            raise RefusedModel(f"{path.name} has a link or device member: {member.name}")
        tops.add(name.parts[0])
    if len(tops) != 1:
        raise RefusedModel(f"{path.name} must hold exactly one model folder, found {len(tops)}")


def trusted_fingerprints() -> dict[str, str]:
    """The trusted keys special_k will accept: key file name to fingerprint."""
    folder = os.environ.get("SERIALIZATION_TRUSTED_KEYS_DIR")
    if not folder:
        raise RefusedModel("SERIALIZATION_TRUSTED_KEYS_DIR is not set: mount the trusted keys")
    try:
        mapping: dict[str, str] = json.loads(
            (Path(folder) / "keyname-to-fingerprint.json").read_text()
        )
    except (OSError, ValueError) as exc:
        raise RefusedModel(f"no readable trusted keys in {folder}: run keys init") from exc
    return mapping


def describe_failure(exc: BaseException) -> str:
    """One line naming why special_k refused the tarball."""
    from special_k.exceptions import (
        IntegrityError,
        MetadataError,
        ModelValidationError,
        SerializationError,
    )

    kind = type(exc)
    text = " ".join(str(exc).split())[:300]
    if kind.__module__.startswith("gpg") or (
        isinstance(exc, AssertionError) and "signature" in text.lower()
    ):
        return f"signature is not valid or not made by a trusted key ({kind.__name__})"
    if isinstance(exc, IntegrityError) or "HMACs did not match" in text:
        return f"a member does not match its signed hash (tampered): {text}"
    if isinstance(exc, ModelValidationError):
        return f"model validation failed: {text}"
    if isinstance(exc, SerializationError | MetadataError):
        return f"not a special_k model: {text}"
    if kind.__module__.startswith("voluptuous"):
        return f"model metadata is malformed: {text}"
    if isinstance(exc, EOFError | zlib.error | tarfile.TarError):
        return f"the tarball is truncated or corrupt: {text}"
    return f"{kind.__name__}: {text}"


def verify(path: Path) -> dict[str, Any]:
    """Load the tarball through special_k's trust path and return what a user wants to see."""
    check_structure(path)
    trusted = trusted_fingerprints()
    import special_k

    try:
        model = special_k.load_model_from_tarball(str(path), gpg_home_dir=None)
    except Exception as exc:
        raise RefusedModel(describe_failure(exc)) from exc
    metadata = dict(model.metadata or {})
    return {
        "ok": True,
        "path": str(path),
        "model": model.model_name,
        "size": path.stat().st_size,
        "metrics": metadata.get("metrics", {}),
        "labels": metadata.get("labels", []),
        "trained_at": metadata.get("trained_at"),
        "signature": "valid, by a trusted key",
        "trusted_keys": sorted(trusted.values()),
        "validation": "passed",
    }


def main(argv: list[str] | None = None) -> int:
    """Print one JSON verdict line; exit 0 when the model is verified, 1 when refused."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(json.dumps({"ok": False, "reason": "usage: python -m training.verify TARBALL"}))
        return 2
    try:
        result = verify(Path(args[0]))
    except RefusedModel as exc:
        print(json.dumps({"ok": False, "reason": str(exc)}))
        return 1
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
