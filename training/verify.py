"""Verify a model tarball: its headers, its signer, its members, and model validation.

Usage: python -m training.verify TARBALL

In this order, so nothing is unpacked or unpickled before it has to be:
1. the tar headers (training.tarball): one flat model folder, safe names, size caps;
2. the signature of meta.json.asc: valid, and made by the key whose fingerprint
   keyname-to-fingerprint.json names (a key merely imported, or trusted in trustdb.txt, is not
   enough);
3. every member is one the signed metadata covers;
4. special_k's own load (HMACs, unpickling) and the model's validation;
5. the key name the model's signed metadata records maps to that same fingerprint.

Prints one JSON line: {"ok": true, "model": ..., "signer": {...}, ...} or {"ok": false, "reason":
"..."}; exits 0 (verified), 1 (refused) or 2 (usage). Trust comes only from
SERIALIZATION_TRUSTED_KEYS_DIR.
"""

from __future__ import annotations

import json
import os
import sys
import tarfile
import zlib
from pathlib import Path
from typing import Any

from training.signing import Signer, SigningError, signature_signer, trusted_key_map
from training.tarball import BadTarball, TarballLayout, scan

METADATA_FILE = "meta.json.asc"
VERSION_FILE = "meta.version"
SIGNING_KEY_FIELD = "signing_key"  # the key file name train.py records in the model's metadata


class RefusedModel(Exception):
    """The tarball is not a valid, trusted, working model; the message says why in one line."""


def check_structure(path: Path) -> TarballLayout:
    """Refuse what is not a complete gzip tarball of one model folder within the caps."""
    try:
        return scan(path)
    except BadTarball as exc:
        raise RefusedModel(str(exc)) from exc


def trusted_fingerprints() -> dict[str, str]:
    """The trusted keys special_k will accept: key file name to fingerprint."""
    folder = os.environ.get("SERIALIZATION_TRUSTED_KEYS_DIR")
    if not folder:
        raise RefusedModel("SERIALIZATION_TRUSTED_KEYS_DIR is not set: mount the trusted keys")
    try:
        return trusted_key_map(Path(folder))
    except SigningError as exc:
        raise RefusedModel(f"no usable trusted keys in {folder}: {exc}") from exc


def _signed_metadata(path: Path, layout: TarballLayout) -> bytes:
    if METADATA_FILE not in layout.files:
        raise RefusedModel(f"not a special_k model: {path.name} has no {METADATA_FILE}")
    with tarfile.open(path, "r:gz") as archive:
        handle = archive.extractfile(f"{layout.folder}/{METADATA_FILE}")
        assert handle is not None
        return handle.read()


def check_signer(path: Path, layout: TarballLayout, trusted: dict[str, str]) -> tuple[Signer, Any]:
    """The signer of the metadata, refused unless keyname-to-fingerprint.json names its key."""
    signed = _signed_metadata(path, layout)
    try:
        signer, message = signature_signer(signed)
    except SigningError as exc:
        raise RefusedModel(f"signature refused: {exc}") from exc
    if signer.fingerprint not in trusted.values():
        raise RefusedModel(
            f"signed by {signer.describe()}, fingerprint {signer.fingerprint}, which "
            "keyname-to-fingerprint.json does not name: a key only added to the trusted keys "
            "is not trusted"
        )
    try:
        return signer, json.loads(message.decode("utf-8"))
    except ValueError as exc:
        raise RefusedModel(f"not a special_k model: signed metadata is not JSON ({exc})") from exc


def check_coverage(path: Path, layout: TarballLayout, metadata: Any) -> None:
    """Refuse members the signed metadata does not name, naming them."""
    try:
        streams = [metadata["model"], *dict(metadata.get("attributes") or {}).values()]
        covered = {METADATA_FILE, VERSION_FILE, *(str(s["filename"]) for s in streams)}
    except (KeyError, TypeError, AttributeError) as exc:
        raise RefusedModel(f"model metadata is malformed: {exc!r}") from exc
    extra = sorted(set(layout.files) - covered)
    if extra:
        raise RefusedModel(
            f"{path.name} holds members the signed metadata does not cover: {', '.join(extra)}"
        )


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


def check_key_name(metadata: dict[str, Any], signer: Signer, trusted: dict[str, str]) -> str:
    """The key name the model records must map to the signer's fingerprint."""
    name = metadata.get(SIGNING_KEY_FIELD)
    if not isinstance(name, str) or not name:
        raise RefusedModel("the model's metadata names no signing key: retrain it")
    if trusted.get(name) != signer.fingerprint:
        raise RefusedModel(
            f"signed by {signer.describe()}, but the model names key {name}, whose fingerprint "
            f"in keyname-to-fingerprint.json is {trusted.get(name, 'absent')}"
        )
    return name


def verify(path: Path) -> dict[str, Any]:
    """Check the tarball step by step and return what a user wants to see."""
    layout = check_structure(path)
    trusted = trusted_fingerprints()
    signer, signed_metadata = check_signer(path, layout, trusted)
    check_coverage(path, layout, signed_metadata)
    import special_k

    try:
        model = special_k.load_model_from_tarball(str(path), gpg_home_dir=None)
    except Exception as exc:
        raise RefusedModel(describe_failure(exc)) from exc
    metadata = dict(model.metadata or {})
    key_name = check_key_name(metadata, signer, trusted)
    return {
        "ok": True,
        "path": str(path),
        "model": model.model_name,
        "size": path.stat().st_size,
        "metrics": metadata.get("metrics", {}),
        "labels": metadata.get("labels", []),
        "trained_at": metadata.get("trained_at"),
        "signature": f"valid, by {signer.describe()}",
        "signer": {
            "key_id": signer.key_id,
            "fingerprint": signer.fingerprint,
            "user_id": signer.user_id,
            "key_name": key_name,
        },
        "members": sorted(layout.files),
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
