"""Verify a model tarball: its bytes, its signers, its members, and model validation.

Usage: python -m training.verify TARBALL

In this order, so nothing is unpickled before it has to be, and all from one descriptor:
1. the file (opened without following a link, capped), gzip and every tar header, read by our
   own parser (training.tarball): one flat model folder, safe names, size caps, each member
   hashed;
2. the signature of meta.json.asc: valid, and made by the key whose fingerprint
   keyname-to-fingerprint.json names (a key merely imported, or trusted in trustdb.txt, is not
   enough);
3. the seal, container-lab.json.asc (training.seal): signed by that same key, naming a key that
   maps to it, and listing every member exactly (name, type, mode, mtime, size, SHA-256); the
   file name's timestamp must be the signed training time. Members unlike even the manifest
   the seal claims are refused before gpg starts (most damage, cheaply); acceptance compares
   them with the manifest gpg verified. A model made before seals has none: it is checked by
   special_k's HMACs alone, and said so;
4. every member is one special_k's signed metadata covers;
5. special_k's own load (HMACs, unpickling) and the model's validation;
6. the key name the model records maps to the signer, and the model agrees with its seal;
7. the provenance the seal carries (training.verify_provenance): the model digest is the payload
   member's SHA-256, and the in-toto attestation is signed by the same key, about exactly those
   members, saying the same. A seal without provenance is an older model's, and said so.

Prints one JSON line: {"ok": true, "model": ..., "signer": {...}, ...} or {"ok": false, "reason":
"...", "check": "..."}; exits 0 (verified), 1 (refused) or 2 (usage). Trust comes only from
SERIALIZATION_TRUSTED_KEYS_DIR.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any, BinaryIO

from training.attestation import ATTESTATION_FILE
from training.gzipstream import gunzip
from training.refusal import METADATA, SIGNATURE, BadTarball, RefusedModel, shown
from training.seal import SEAL_FILE, Seal, check_members, claimed_message, parse_seal
from training.signing import Signer, SigningError, signature_signer, trusted_key_map
from training.tarball import TarballLayout, open_model, read_layout
from training.verify_checks import (
    METADATA_FILE,
    SIGNING_KEY_FIELD,
    VERSION_FILE,
    check_coverage,
    check_key_name,
    check_name_time,
    check_sealing,
    describe_failure,
    recorded_time,
)

__all__ = ["BadTarball", "RefusedModel", "check_sealed", "check_structure", "main", "verify"]
from training.verify_provenance import check_provenance

KEPT = frozenset({METADATA_FILE, VERSION_FILE, SEAL_FILE, ATTESTATION_FILE})
NO_MANIFEST = "no member manifest (made before manifests): members checked by special_k's HMACs"


def check_structure(path: Path) -> TarballLayout:
    """The layout of the tarball at `path`, metadata files kept, or RefusedModel."""
    with open_model(path) as handle:
        return read_layout(gunzip(handle, shown(path.name)), shown(path.name), keep=KEPT)


def trusted_fingerprints() -> dict[str, str]:
    """The trusted keys special_k will accept: key file name to fingerprint."""
    folder = os.environ.get("SERIALIZATION_TRUSTED_KEYS_DIR")
    if not folder:
        raise RefusedModel(
            "SERIALIZATION_TRUSTED_KEYS_DIR is not set: mount the trusted keys", SIGNATURE
        )
    try:
        return trusted_key_map(Path(folder))
    except SigningError as exc:
        raise RefusedModel(f"no usable trusted keys in {folder}: {exc}", SIGNATURE) from exc


def check_signer(
    signed: bytes, trusted: dict[str, str], what: str, detached_from: bytes | None = None
) -> tuple[Signer, bytes]:
    """The signer of `signed` (or of `detached_from`, when `signed` is a detached signature),
    refused unless keyname-to-fingerprint.json names its key."""
    try:
        signer, message = signature_signer(signed, detached_from)
    except SigningError as exc:
        raise RefusedModel(f"{what}: signature refused: {exc}", SIGNATURE) from exc
    if signer.fingerprint not in trusted.values():
        raise RefusedModel(
            f"signed by {signer.describe()}, fingerprint {signer.fingerprint}, which "
            "keyname-to-fingerprint.json does not name: a key only added to the trusted keys "
            "is not trusted",
            SIGNATURE,
        )
    return signer, message


def _special_k_metadata(layout: TarballLayout, trusted: dict[str, str]) -> tuple[Signer, Any]:
    if METADATA_FILE not in layout.kept:
        raise RefusedModel(f"not a special_k model: it has no {METADATA_FILE}", METADATA)
    signer, message = check_signer(layout.kept[METADATA_FILE], trusted, METADATA_FILE)
    try:
        return signer, json.loads(message.decode("utf-8"))
    except ValueError as exc:
        raise RefusedModel(
            f"not a special_k model: signed metadata is not JSON ({exc})", METADATA
        ) from exc


def _seal(label: str, layout: TarballLayout, signer: Signer, trusted: dict[str, str]) -> Seal:
    seal_signer, message = check_signer(layout.kept[SEAL_FILE], trusted, SEAL_FILE)
    if seal_signer != signer:
        raise RefusedModel(
            f"{SEAL_FILE} is signed by {seal_signer.describe()}, {METADATA_FILE} by "
            f"{signer.describe()}",
            SIGNATURE,
        )
    seal = parse_seal(message)
    check_key_name(seal.signing_key, signer, trusted)
    check_members(seal, layout, label)
    check_name_time(label, seal.trained_at)
    return seal


def _load(handle: BinaryIO) -> Any:
    import special_k

    from training.payload import register_serializer

    register_serializer()  # special_k checks the payload's serializer before unpickling
    handle.seek(0)
    try:
        return special_k.load_model_from_tarball_stream(handle, gpg_home_dir=None)
    except Exception as exc:
        raise describe_failure(exc) from exc


def _precheck(label: str, layout: TarballLayout) -> None:
    """Members unlike even the manifest the tarball carries are refused before gpg starts."""
    claimed = claimed_message(layout.kept[SEAL_FILE]) if SEAL_FILE in layout.kept else None
    if claimed is None:
        return
    try:
        seal = parse_seal(claimed)
    except RefusedModel:
        return  # the signature check says what is wrong with it
    check_members(seal, layout, label)


@dataclass(frozen=True)
class _Unpacked:
    """What steps 1 to 4 established."""

    layout: TarballLayout
    trusted: dict[str, str]
    signer: Signer
    seal: Seal | None
    provenance: dict[str, Any]


def _check_unpacked(handle: BinaryIO, label: str) -> _Unpacked:
    """Steps 1 to 4 and 7: everything that needs no unpickling."""
    layout = read_layout(gunzip(handle, label), label, keep=KEPT)
    _precheck(label, layout)
    trusted = trusted_fingerprints()
    signer, special_k_metadata = _special_k_metadata(layout, trusted)
    seal = _seal(label, layout, signer, trusted) if SEAL_FILE in layout.kept else None
    check_coverage(label, layout, special_k_metadata)

    def detached(signature: bytes, data: bytes) -> Signer:
        return check_signer(signature, trusted, ATTESTATION_FILE, detached_from=data)[0]

    provenance = check_provenance(label, seal, layout, signer, detached)
    return _Unpacked(layout, trusted, signer, seal, provenance)


def check_sealed(path: Path) -> None:
    """Steps 1 to 4 and 7 on a tarball that must carry a seal (the training run checks its
    own)."""
    with open_model(path) as handle:
        seal = _check_unpacked(handle, shown(path.name)).seal
    if seal is None:
        raise RefusedModel(f"{shown(path.name)} carries no {SEAL_FILE}", METADATA)


def verify(path: Path) -> dict[str, Any]:
    """Check the tarball step by step and return what a user wants to see."""
    label = shown(path.name)
    with open_model(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        checked = _check_unpacked(handle, label)
        model = _load(handle)
    layout, signer, seal = checked.layout, checked.signer, checked.seal
    metadata = dict(model.metadata or {})
    key_name = check_key_name(metadata.get(SIGNING_KEY_FIELD), signer, checked.trusted)
    check_sealing(seal is not None, metadata, seal.trained_at if seal else None)
    if seal is not None and seal.model != model.model_name:
        raise RefusedModel(f"the seal names model {shown(seal.model)}", METADATA)
    trained_at = recorded_time(metadata)
    check_name_time(label, trained_at)
    provenance = checked.provenance.get("provenance")
    if provenance is not None and provenance.get("metrics") != metadata.get("metrics"):
        raise RefusedModel("the model's metrics differ from those its provenance records", METADATA)
    members = len(layout.members)
    return {
        "ok": True,
        "path": str(path),
        "model": model.model_name,
        "size": size,
        "metrics": metadata.get("metrics", {}),
        "labels": metadata.get("labels", []),
        "trained_at": trained_at.astimezone(UTC).isoformat(),
        "signature": f"valid, by {signer.describe()}",
        "signer": {
            "key_id": signer.key_id,
            "fingerprint": signer.fingerprint,
            "user_id": signer.user_id,
            "key_name": key_name,
        },
        "members": sorted(layout.files),
        "manifest": f"all {members} members match the signed manifest" if seal else NO_MANIFEST,
        "validation": "passed",
        **checked.provenance,
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
        print(json.dumps({"ok": False, "reason": str(exc), "check": exc.check}))
        return 1
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
