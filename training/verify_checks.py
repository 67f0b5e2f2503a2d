"""verify's checks that need neither gpg nor special_k: each one refuses in one line.

Pure functions over what the tarball and its signed metadata say, so mutation testing and the
unit tests reach them without a container.
"""

from __future__ import annotations

import re
import tarfile
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from training.attestation import ATTESTATION_FILE
from training.refusal import (
    HASH,
    MANIFEST,
    METADATA,
    NAME,
    SIGNATURE,
    TAR,
    VALIDATION,
    RefusedModel,
    shown,
)
from training.seal import SEAL_FILE, SEALED_FIELD
from training.signing import Signer
from training.tarball import TarballLayout

METADATA_FILE = "meta.json.asc"
VERSION_FILE = "meta.version"
SIGNING_KEY_FIELD = "signing_key"  # the key file name train.py records in the model's metadata
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"  # as in the tarball's name (training.train.tarball_name)
_STAMP = re.compile(r"[0-9]{8}T[0-9]{6}Z")


def check_coverage(label: str, layout: TarballLayout, metadata: Any) -> None:
    """Refuse members special_k's signed metadata does not name (the seal and the in-toto
    attestation aside: the seal's manifest covers them), naming them."""
    try:
        streams = [metadata["model"], *dict(metadata.get("attributes") or {}).values()]
        named = (str(s["filename"]) for s in streams)
        covered = {METADATA_FILE, VERSION_FILE, SEAL_FILE, ATTESTATION_FILE, *named}
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise RefusedModel(f"model metadata is malformed: {exc!r}", METADATA) from exc
    extra = sorted(set(layout.files) - covered)
    if extra:
        raise RefusedModel(
            f"{label} holds members the signed metadata does not cover: "
            f"{', '.join(shown(name) for name in extra)}",
            MANIFEST,
        )


def check_key_name(name: object, signer: Signer, trusted: Mapping[str, str]) -> str:
    """The key name the model records must map, in the key map, to the signer's fingerprint."""
    if not isinstance(name, str) or not name:
        raise RefusedModel("the model's metadata names no signing key: retrain it", METADATA)
    if trusted.get(name) != signer.fingerprint:
        raise RefusedModel(
            f"signed by {signer.describe()}, but the model names key {shown(name)}, whose "
            f"fingerprint in keyname-to-fingerprint.json is {trusted.get(name, 'absent')}",
            METADATA,
        )
    return name


def recorded_time(metadata: Mapping[str, Any]) -> datetime:
    """The training time the model's own (signed) metadata records, in UTC."""
    value = metadata.get("trained_at")
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise RefusedModel("the model's signed metadata records no training time", METADATA)
    return when.astimezone(UTC)


def check_name_time(label: str, trained_at: datetime) -> None:
    """Every timestamp in the file's name must be the signed training time's."""
    signed = trained_at.astimezone(UTC).strftime(STAMP_FORMAT)
    for stamp in _STAMP.findall(label):
        if stamp != signed:
            raise RefusedModel(
                f"{label} is named for a model trained at {stamp}, but it was signed as trained "
                f"at {signed}: a renamed older model is not a newer one",
                NAME,
            )


def check_sealing(
    sealed: bool, model_metadata: Mapping[str, Any], seal_time: datetime | None
) -> None:
    """The model and its seal must agree: a model packed with a seal is refused without it."""
    packed_with = model_metadata.get(SEALED_FIELD)
    if packed_with == SEAL_FILE and not sealed:
        raise RefusedModel(
            f"the model was packed with a signed member manifest ({SEAL_FILE}), which this "
            "tarball lacks: it was repacked",
            MANIFEST,
        )
    if sealed and packed_with != SEAL_FILE:
        raise RefusedModel(f"the model was not packed with the {SEAL_FILE} it carries", MANIFEST)
    if seal_time is not None and recorded_time(model_metadata) != seal_time.astimezone(UTC):
        raise RefusedModel("the seal and the model record different training times", METADATA)


def describe_failure(exc: BaseException) -> RefusedModel:
    """special_k's failure as one line, with the check it belongs to."""
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
        return RefusedModel(
            f"signature is not valid or not made by a trusted key ({kind.__name__})", SIGNATURE
        )
    if isinstance(exc, IntegrityError) or "HMACs did not match" in text:
        return RefusedModel(f"a member does not match its signed hash (tampered): {text}", HASH)
    if isinstance(exc, ModelValidationError):
        return RefusedModel(f"model validation failed: {text}", VALIDATION)
    if isinstance(exc, SerializationError | MetadataError):
        return RefusedModel(f"not a special_k model: {text}", METADATA)
    if kind.__module__.startswith("voluptuous"):
        return RefusedModel(f"model metadata is malformed: {text}", METADATA)
    if isinstance(exc, EOFError | zlib.error | tarfile.TarError):
        return RefusedModel(f"the tarball is truncated or corrupt: {text}", TAR)
    return RefusedModel(f"{kind.__name__}: {text}", VALIDATION)
